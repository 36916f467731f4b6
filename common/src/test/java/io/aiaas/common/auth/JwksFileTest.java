package io.aiaas.common.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JwksFileTest {
    private static final KeyPair OLD = SigningKeys.generate();
    private static final KeyPair NEW = SigningKeys.generate();

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    @Test
    void aKeyAddedToTheFileIsTrustedWithoutARestart(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("jwks.json");
        Files.writeString(file, SigningKeys.jwks(Map.of(InternalToken.ISSUER_GATEWAY, OLD.getPublic())));
        ManualClock clock = new ManualClock();
        JwksFile jwks = JwksFile.open(file, Duration.ofSeconds(5), clock);
        InternalTokenVerifier verifier = new InternalTokenVerifier(jwks, InternalToken.AUDIENCE_MODEL_SERVICE, clock);
        String rotated = new InternalTokenSigner(InternalToken.ISSUER_GATEWAY, NEW.getPrivate(), 30, clock)
                .sign(InternalToken.AUDIENCE_MODEL_SERVICE, "k", "ten_1", List.of(), List.of(), null);
        assertFalse(verifier.verify(rotated).isPresent(), "not trusted before it is in the file");

        // the operator adds the new key next to the old one
        List<SigningKeys.TrustedKey> both =
                new ArrayList<>(SigningKeys.parseJwks(Files.readString(file)).values());
        both.add(new SigningKeys.TrustedKey(
                SigningKeys.keyId(NEW.getPublic()), InternalToken.ISSUER_GATEWAY, NEW.getPublic()));
        Files.writeString(file, SigningKeys.jwks(both), StandardCharsets.UTF_8);
        clock.now = clock.now.plusSeconds(5);

        assertTrue(verifier.verify(rotated).isPresent(), "trusted once the file holds it");
        String old = new InternalTokenSigner(InternalToken.ISSUER_GATEWAY, OLD.getPrivate(), 30, clock)
                .sign(InternalToken.AUDIENCE_MODEL_SERVICE, "k", "ten_1", List.of(), List.of(), null);
        assertTrue(verifier.verify(old).isPresent(), "the old key still works during the rotation");
    }

    @Test
    void unknownKeyIdsReadTheFileAtMostOncePerInterval(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("jwks.json");
        Files.writeString(file, SigningKeys.jwks(Map.of(InternalToken.ISSUER_GATEWAY, OLD.getPublic())));
        ManualClock clock = new ManualClock();
        JwksFile jwks = JwksFile.open(file, Duration.ofSeconds(5), clock);
        assertEquals(1, jwks.reads());
        for (int i = 0; i < 1000; i++) {
            assertTrue(jwks.find("made-up-" + i).isEmpty());
        }
        assertEquals(1, jwks.reads(), "no read within the interval of the first one");
        clock.now = clock.now.plusSeconds(5);
        for (int i = 0; i < 1000; i++) {
            assertTrue(jwks.find("made-up-" + i).isEmpty());
        }
        assertEquals(2, jwks.reads(), "one read per interval, however many unknown ids");
        // known keys never cause a read
        assertTrue(jwks.find(SigningKeys.keyId(OLD.getPublic())).isPresent());
        assertEquals(2, jwks.reads());
    }

    @Test
    void aBrokenFileKeepsTheKeysReadBefore(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("jwks.json");
        Files.writeString(file, SigningKeys.jwks(Map.of(InternalToken.ISSUER_GATEWAY, OLD.getPublic())));
        ManualClock clock = new ManualClock();
        JwksFile jwks = JwksFile.open(file, Duration.ofSeconds(1), clock);
        Files.writeString(file, "{not json");
        clock.now = clock.now.plusSeconds(2);
        assertTrue(jwks.find("unknown").isEmpty());
        assertTrue(jwks.find(SigningKeys.keyId(OLD.getPublic())).isPresent());
    }
}
