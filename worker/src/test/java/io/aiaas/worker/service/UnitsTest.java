package io.aiaas.worker.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.aiaas.common.events.UsageData;
import org.junit.jupiter.api.Test;

class UnitsTest {

    @Test
    void unitsAreCeilOfComputeSecondsTimesRate() {
        assertEquals(0, UsageData.units(0, 1.0));
        assertEquals(1, UsageData.units(1, 1.0));
        assertEquals(1, UsageData.units(1000, 1.0));
        assertEquals(2, UsageData.units(1001, 1.0));
        assertEquals(1, UsageData.units(1, 10.0));
        assertEquals(10, UsageData.units(1000, 10.0));
        assertEquals(16, UsageData.units(1501, 10.0));
    }
}
