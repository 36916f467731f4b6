package io.aiaas.tenant.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.aiaas.common.error.ApiException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class UsageWindowTest {
    private static final Instant NOW = Instant.parse("2024-06-15T12:34:56.789Z");
    private static final Duration MAX = Duration.ofDays(400);

    @Test
    void defaultsToTheLastThirtyDaysByDay() {
        UsageWindow w = UsageWindow.of(null, null, null, NOW, MAX);
        assertEquals(NOW, w.to());
        assertEquals(NOW.minus(Duration.ofDays(30)), w.from());
        assertEquals(Granularity.DAY, w.granularity());
    }

    @Test
    void readsRfc3339WithOffsets() {
        UsageWindow w = UsageWindow.of("2024-06-01T00:00:00+02:00", "2024-06-02T00:00:00Z", "hour", NOW, MAX);
        assertEquals(Instant.parse("2024-05-31T22:00:00Z"), w.from());
        assertEquals(Granularity.HOUR, w.granularity());
    }

    @Test
    void refusesNonsense() {
        assertThrows(ApiException.class, () -> UsageWindow.of("2024-06-01", null, null, NOW, MAX));
        assertThrows(ApiException.class, () -> UsageWindow.of(null, null, "minute", NOW, MAX));
        assertThrows(ApiException.class, () -> UsageWindow.of(null, null, "DAY", NOW, MAX));
        assertThrows(
                ApiException.class,
                () -> UsageWindow.of("2024-06-02T00:00:00Z", "2024-06-01T00:00:00Z", null, NOW, MAX));
        assertThrows(ApiException.class, () -> UsageWindow.of("2020-01-01T00:00:00Z", null, null, NOW, MAX));
    }
}
