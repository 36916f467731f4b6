package io.aiaas.model.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.aiaas.common.error.ApiException;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PageRequestTest {

    @Test
    void limitsDefaultClampAndRefuse() {
        assertEquals(20, PageRequest.parse(null, null).limit());
        assertEquals(100, PageRequest.parse("1000", null).limit());
        assertEquals(5, PageRequest.parse("5", null).limit());
        assertThrows(ApiException.class, () -> PageRequest.parse("0", null));
        assertThrows(ApiException.class, () -> PageRequest.parse("ten", null));
    }

    @Test
    void cursorsRoundTripAndForeignOnesAreRefused() {
        Instant at = Instant.parse("2025-01-02T03:04:05.678Z");
        PageRequest page = PageRequest.parse("10", PageRequest.cursor(at, "job_abc"));
        assertEquals(at, page.afterCreatedAt());
        assertEquals("job_abc", page.afterKey());
        assertThrows(ApiException.class, () -> PageRequest.parse(null, "not a cursor"));
        assertThrows(ApiException.class, () -> PageRequest.parse(null, "bm9wZQ"));
    }
}
