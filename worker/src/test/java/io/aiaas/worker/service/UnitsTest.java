package io.aiaas.worker.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.aiaas.common.events.UsageData;
import io.aiaas.worker.inference.ComputeDevice;
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

    @Test
    void theConfiguredDeviceSetsTheRate() {
        assertEquals(1.0, new ComputeDevice("cpu", 1.0, 10.0).rate());
        assertEquals("cpu", new ComputeDevice("CPU", 1.0, 10.0).name());
        assertEquals(10.0, new ComputeDevice("gpu", 1.0, 10.0).rate());
        assertEquals("gpu", new ComputeDevice("gpu", 1.0, 10.0).name());
    }

    @Test
    void autoDetectsTheCpuHere() {
        // The build uses the CPU natives (the gpu profile is not active), so no GPU can be listed.
        ComputeDevice auto = new ComputeDevice("auto", 2.0, 10.0);
        assertEquals("cpu", auto.name());
        assertEquals(2.0, auto.rate());
    }
}
