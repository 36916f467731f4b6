package io.aiaas.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.auth.ApiKeys;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.ProblemType;
import io.aiaas.gateway.config.GatewayConfig;
import io.vertx.core.MultiMap;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The throttle alone, on a clock the test moves: 3 failures per 10 s window. */
class FailedAuthThrottleTest {
    private static final String ATTACKER = "203.0.113.7";
    private static final String NEIGHBOUR = "198.51.100.20";

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final String liveKey = ApiKeys.generate();
    private final FailedAuthThrottle throttle = throttle(true);

    private FailedAuthThrottle throttle(boolean enabled) {
        Set<String> liveHashes = Set.of(ApiKeys.hash(liveKey));
        return new FailedAuthThrottle(settings(enabled, 3, Duration.ofSeconds(10)), liveHashes::contains, nanos::get);
    }

    private static GatewayConfig.AuthThrottle settings(boolean enabled, int maxFailures, Duration window) {
        return new GatewayConfig.AuthThrottle() {
            @Override
            public boolean enabled() {
                return enabled;
            }

            @Override
            public int maxFailures() {
                return maxFailures;
            }

            @Override
            public Duration window() {
                return window;
            }

            @Override
            public long maxAddresses() {
                return 1_000;
            }
        };
    }

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    private static MultiMap bearer(String value) {
        return MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + value);
    }

    private void fail(String address, int times) {
        for (int i = 0; i < times; i++) {
            throttle.failed(address, bearer(ApiKeys.generate()));
        }
    }

    @Test
    void anAddressIsThrottledOnlyOnceItReachesMaxFailures() {
        fail(ATTACKER, 2);
        assertNull(throttle.refusal(ATTACKER, bearer(ApiKeys.generate())), "2 of 3 failures: still let through");
        fail(ATTACKER, 1);
        ApiException refusal = throttle.refusal(ATTACKER, bearer(ApiKeys.generate()));
        assertNotNull(refusal);
        assertEquals(ProblemType.QUOTA_EXCEEDED, refusal.type());
        assertEquals(
                "https://iana.org/assignments/http-problem-types#quota-exceeded",
                refusal.type().uri());
        assertEquals("10", refusal.headers().get("Retry-After"));
        assertTrue(refusal.getMessage().contains("failed authentications from this address"), refusal.getMessage());
        assertNull(throttle.refusal(NEIGHBOUR, bearer(ApiKeys.generate())), "other addresses are not affected");
    }

    @Test
    void retryAfterCountsDownToTheWindowsEndAndThenTheAddressStartsAfresh() {
        fail(ATTACKER, 1);
        advance(Duration.ofMillis(4_500));
        fail(ATTACKER, 2); // the window began with the first failure, not the last
        assertEquals(6, throttle.retryAfterSeconds(ATTACKER), "5.5 s left, rounded up");
        advance(Duration.ofMillis(5_000));
        assertEquals(1, throttle.retryAfterSeconds(ATTACKER), "0.5 s left is still 1 s, never 0");
        advance(Duration.ofMillis(500));
        assertEquals(0, throttle.retryAfterSeconds(ATTACKER));
        assertNull(throttle.refusal(ATTACKER, bearer(ApiKeys.generate())));

        fail(ATTACKER, 2);
        assertEquals(0, throttle.retryAfterSeconds(ATTACKER), "a new window: 2 failures so far");
        fail(ATTACKER, 1);
        assertEquals(10, throttle.retryAfterSeconds(ATTACKER));
    }

    @Test
    void aKnownValidKeyPassesAThrottledAddressAndAnUnknownOrMalformedOneDoesNot() {
        fail(ATTACKER, 3);
        assertNull(throttle.refusal(ATTACKER, bearer(liveKey)));
        assertNull(throttle.refusal(ATTACKER, MultiMap.caseInsensitiveMultiMap().add("X-API-Key", liveKey)));
        assertNotNull(throttle.refusal(ATTACKER, bearer(ApiKeys.generate())));
        assertNotNull(throttle.refusal(ATTACKER, bearer("aiaas_not-a-key")));
        assertNotNull(
                throttle.refusal(ATTACKER, MultiMap.caseInsensitiveMultiMap().add("X-API-Key", "guess")));
        assertNotNull(
                throttle.refusal(ATTACKER, MultiMap.caseInsensitiveMultiMap().add("Authorization", "Basic x")));
    }

    @Test
    void requestsWithoutCredentialsAreNeitherCountedNorThrottled() {
        for (int i = 0; i < 10; i++) {
            throttle.failed(ATTACKER, MultiMap.caseInsensitiveMultiMap());
        }
        assertEquals(0, throttle.retryAfterSeconds(ATTACKER));
        fail(ATTACKER, 3);
        assertNull(
                throttle.refusal(ATTACKER, MultiMap.caseInsensitiveMultiMap()), "nothing guessed, nothing looked up");
    }

    @Test
    void aTokenVerifiedBeforePassesUntilItExpires() {
        String token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJl";
        throttle.tokenVerified(token, Duration.ofSeconds(30));
        fail(ATTACKER, 3);
        assertNull(throttle.refusal(ATTACKER, bearer(token)));
        assertNotNull(throttle.refusal(ATTACKER, bearer(token + "x")), "a token never verified here");
        advance(Duration.ofSeconds(9));
        assertNull(throttle.refusal(ATTACKER, bearer(token)));
        advance(Duration.ofSeconds(21));
        fail(ATTACKER, 3); // a new window, after the token's 30 s
        assertNotNull(throttle.refusal(ATTACKER, bearer(token)), "the token has expired: no longer known valid");
        throttle.tokenVerified(token, Duration.ZERO);
        assertNotNull(throttle.refusal(ATTACKER, bearer(token)), "an expired token is not remembered");
    }

    @Test
    void disabledItCountsNothingAndRefusesNothing() {
        FailedAuthThrottle off = throttle(false);
        assertFalse(off.enabled());
        for (int i = 0; i < 10; i++) {
            off.failed(ATTACKER, bearer(ApiKeys.generate()));
        }
        assertEquals(0, off.retryAfterSeconds(ATTACKER));
        assertNull(off.refusal(ATTACKER, bearer(ApiKeys.generate())));
    }

    @Test
    void anUnknownAddressIsNeitherCountedNorThrottled() {
        throttle.failed(null, bearer(ApiKeys.generate()));
        assertNull(throttle.refusal(null, bearer(ApiKeys.generate())));
    }
}
