package io.aiaas.common.quarkus.idempotency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.ProblemType;
import io.aiaas.common.json.Json;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IdempotentRequestTest {
    private record Body(String name, String description) {}

    @Test
    void noKeyNoRequest() {
        assertNull(IdempotentRequest.of("ten_a", null, "POST", "/v1/models"));
        assertNull(IdempotentRequest.ofJson("ten_a", null, "POST", "/v1/models", new Body("a", null)));
    }

    @Test
    void aKeyIsOneToTwoHundredFiftyFivePrintableAsciiCharacters() {
        IdempotentRequest.of("ten_a", "k", "POST");
        IdempotentRequest.of("ten_a", "a key, with spaces ~", "POST");
        IdempotentRequest.of("ten_a", "x".repeat(255), "POST");
        for (String bad : new String[] {"", "x".repeat(256), "tab\there", "cl\u00e9", "nul\u0000", "del\u007f"}) {
            ApiException e = assertThrows(ApiException.class, () -> IdempotentRequest.of("ten_a", bad, "POST"));
            assertEquals(ProblemType.INVALID_REQUEST, e.type());
        }
    }

    @Test
    void theFingerprintCoversMethodPathAndBody() {
        Body body = new Body("churn", "d");
        String fingerprint = IdempotentRequest.ofJson("ten_a", "k", "POST", "/v1/models", body)
                .fingerprint();
        assertEquals(
                fingerprint,
                IdempotentRequest.ofJson("ten_b", "other", "POST", "/v1/models", new Body("churn", "d"))
                        .fingerprint(),
                "neither the scope nor the key is part of it");
        assertNotEquals(
                fingerprint,
                IdempotentRequest.ofJson("ten_a", "k", "POST", "/admin/v1/models", body)
                        .fingerprint());
        assertNotEquals(
                fingerprint,
                IdempotentRequest.ofJson("ten_a", "k", "PUT", "/v1/models", body)
                        .fingerprint());
        assertNotEquals(
                fingerprint,
                IdempotentRequest.ofJson("ten_a", "k", "POST", "/v1/models", new Body("churn", null))
                        .fingerprint());
    }

    @Test
    void partsCannotBeShiftedIntoEachOther() {
        assertNotEquals(
                IdempotentRequest.of("s", "k", "ab", "c").fingerprint(),
                IdempotentRequest.of("s", "k", "a", "bc").fingerprint());
        assertNotEquals(
                IdempotentRequest.of("s", "k", "a", null).fingerprint(),
                IdempotentRequest.of("s", "k", "a", "").fingerprint());
        IdempotentRequest query = IdempotentRequest.of("s", "k", "POST", "/v1/datasets", "iris", "label");
        assertNotEquals(
                query.with("digest-1").fingerprint(), query.with("digest-2").fingerprint());
        assertEquals(query.with("digest-1"), query.with("digest-1"));
        assertEquals("k", query.with("digest-1").key());
    }

    @Test
    void aJsonBodyIsFingerprintedAsThePlatformWritesIt() {
        // the body's digest is the SHA-256 of its JSON, so fingerprints recorded as such (jobs before V8) still match
        Map<String, Object> body = Map.of("type", "inference", "model", "m");
        String digest = IdempotentRequest.sha256(Json.write(body));
        assertEquals(digest, IdempotentRequest.jsonDigest(body));
        assertEquals(
                IdempotentRequest.sha256("4:POST8:/v1/jobs64:" + digest),
                IdempotentRequest.ofJson("ten_a", "k", "POST", "/v1/jobs", body).fingerprint());
    }
}
