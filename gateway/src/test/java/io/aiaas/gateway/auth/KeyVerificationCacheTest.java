package io.aiaas.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.gateway.client.KeyVerification;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class KeyVerificationCacheTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final KeyVerification live = new KeyVerification("ten_1", "kid", List.of("predict"), null, "active", null);

    @Test
    void answersAreKeptForAtMostTheTtl() {
        KeyVerificationCache cache = new KeyVerificationCache(Duration.ofMillis(500), 10, now::get);
        cache.put("h", Optional.of(live));
        assertEquals(Optional.of(live), cache.get("h"));
        now.addAndGet(Duration.ofMillis(499).toNanos());
        assertEquals(Optional.of(live), cache.get("h"));
        now.addAndGet(Duration.ofMillis(1).toNanos());
        assertNull(cache.get("h"));
    }

    @Test
    void ttlIsCappedAtOneSecond() {
        KeyVerificationCache cache = new KeyVerificationCache(Duration.ofMinutes(5), 10, now::get);
        cache.put("h", Optional.empty());
        assertEquals(Optional.empty(), cache.get("h"));
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertNull(cache.get("h"));
    }

    @Test
    void zeroTtlCachesNothing() {
        KeyVerificationCache cache = new KeyVerificationCache(Duration.ZERO, 10, now::get);
        cache.put("h", Optional.of(live));
        assertNull(cache.get("h"));
    }

    @Test
    void sizeIsBounded() {
        KeyVerificationCache cache = new KeyVerificationCache(Duration.ofSeconds(1), 3, now::get);
        for (int i = 0; i < 10; i++) {
            cache.put("h" + i, Optional.of(live));
        }
        assertTrue(cache.size() <= 3);
    }
}
