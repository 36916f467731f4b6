package io.aiaas.common.quarkus.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.auth.InternalTokenSigner;
import io.aiaas.common.auth.InternalTokenVerifier;
import io.aiaas.common.auth.SigningKeys;
import io.aiaas.common.auth.TrustedKeys;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class VerifiedTokensTest {
    private static final KeyPair GATEWAY = SigningKeys.generate();

    static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    private final ManualClock clock = new ManualClock();
    /** Counts the verifier's key look-ups: one per signature check. */
    private final AtomicInteger checks = new AtomicInteger();

    private VerifiedTokens tokens() {
        TrustedKeys keys = TrustedKeys.of(Map.of(
                SigningKeys.keyId(GATEWAY.getPublic()),
                new SigningKeys.TrustedKey(
                        SigningKeys.keyId(GATEWAY.getPublic()), InternalToken.ISSUER_GATEWAY, GATEWAY.getPublic())));
        TrustedKeys counted = kid -> {
            checks.incrementAndGet();
            return keys.find(kid);
        };
        return new VerifiedTokens(
                new InternalTokenVerifier(counted, InternalToken.AUDIENCE_MODEL_SERVICE, clock), clock);
    }

    private String token(long ttlSeconds) {
        return new InternalTokenSigner(InternalToken.ISSUER_GATEWAY, GATEWAY.getPrivate(), ttlSeconds, clock)
                .sign(InternalToken.AUDIENCE_MODEL_SERVICE, "key1", "ten_1", List.of("models:read"), List.of(), null);
    }

    @Test
    void aTokenIsCheckedOnceAndTrustedUntilItExpires() {
        VerifiedTokens tokens = tokens();
        String token = token(30);
        for (int i = 0; i < 100; i++) {
            assertEquals("ten_1", tokens.verify(token).orElseThrow().tid());
        }
        assertEquals(1, checks.get(), "one signature check for 100 uses");

        clock.now = clock.now.plusSeconds(31);
        assertFalse(tokens.verify(token).isPresent(), "expired: refused, cached or not");
    }

    @Test
    void invalidTokensAreNeverKept() {
        VerifiedTokens tokens = tokens();
        String token = token(30);
        String tampered = token.substring(0, token.length() - 4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
        for (int i = 0; i < 10; i++) {
            assertFalse(tokens.verify(tampered).isPresent());
        }
        assertEquals(10, checks.get(), "a refused token is checked again each time");
        assertEquals(0, tokens.size());
        assertTrue(tokens.verify(token).isPresent());
        assertFalse(tokens.verify(null).isPresent());
    }
}
