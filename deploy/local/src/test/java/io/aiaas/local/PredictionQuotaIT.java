package io.aiaas.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.error.ProblemType;
import io.aiaas.common.oip.OipConformance;
import io.aiaas.common.tfserving.TfServingConformance;
import io.aiaas.local.ItSupport.Tenant;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Online predictions wait for compute units: a tenant on a plan of {@value #QUOTA} units predicts until it is refused.
 * Every answered prediction costs at least a unit, so no more than the quota are answered; the refusal is a 429
 * {@code quota-exceeded} with {@code Retry-After} and the protocols' {@code error} member, on {@code /v2} and on
 * {@code /tfserving} alike; and the units billed never pass the quota.
 */
@ExtendWith(SharedPlatform.class)
class PredictionQuotaIT {
    private static final long QUOTA = 30;
    private static final float[][] W = {{1f, 0f, 0.5f}, {0f, 1f, 0.5f}, {1f, 1f, 0f}, {-1f, 0f, 2f}};
    private static final float[] B = {0.5f, -1f, 0f};
    private static final String OIP_BODY =
            "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[1,2,3,4]}]}";
    private static final String TF_BODY = "{\"instances\":[[1,2,3,4]]}";

    static PlatformClient api;
    static String admin;

    @BeforeAll
    static void connect() throws Exception {
        SharedPlatform.platform();
        api = SharedPlatform.api();
        admin = SharedPlatform.adminToken();
    }

    private static PlatformClient.Reply predict(Tenant t, String path, String body) throws Exception {
        return api.send("POST", path, t.key(), "application/json", body.getBytes());
    }

    private static void assertQuotaExceeded(PlatformClient.Reply reply, boolean tfServing) {
        assertEquals(429, reply.status(), reply::toString);
        assertTrue(reply.contentType().startsWith("application/problem+json"), reply::toString);
        JsonNode body = reply.json();
        assertEquals(ProblemType.QUOTA_EXCEEDED_TYPE, body.path("type").asText(), reply::toString);
        if (tfServing) {
            TfServingConformance.assertConforms("refusal " + reply, TfServingConformance.errorBody(body));
        } else {
            OipConformance.assertConforms("refusal " + reply, OipConformance.errorBody(body));
        }
        assertTrue(
                body.path("error").isTextual() && !body.path("error").asText().isBlank(), reply::toString);
        long retryAfter = Long.parseLong(reply.header("Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= 31L * 24 * 3600, "Retry-After: the next UTC month, " + retryAfter);
    }

    private static JsonNode computeUnits(Tenant t) throws Exception {
        var usage = api.get("/v1/usage", t.key());
        assertEquals(200, usage.status(), usage::toString);
        return usage.json().path("computeUnits");
    }

    @Test
    void aTenantAtItsMonthlyQuotaIsRefusedBeforeAnyWorkAndNeverBilledPastIt() throws Exception {
        Tenant t = ItSupport.newTenant(api, admin, "it-pquota", Map.of("monthlyComputeUnits", QUOTA));
        ItSupport.uploadDense(api, t, "metered", W, B);

        long answered = 0;
        PlatformClient.Reply refusal = null;
        for (int i = 0; i < 3 * QUOTA && refusal == null; i++) {
            var reply = predict(t, "/v2/models/metered/infer", OIP_BODY);
            if (reply.status() == 200) {
                answered++;
            } else {
                refusal = reply;
            }
        }
        assertTrue(refusal != null, "predictions past the quota are refused (" + answered + " answered)");
        assertQuotaExceeded(refusal, false);
        assertTrue(answered >= 1 && answered <= QUOTA, "answered " + answered + " of a quota of " + QUOTA);

        // the other protocol is refused the same way, and so is the next call on /v2
        assertQuotaExceeded(predict(t, "/tfserving/v1/models/metered:predict", TF_BODY), true);
        assertQuotaExceeded(predict(t, "/v2/models/metered/infer", OIP_BODY), false);

        // every answered prediction is billed (at least a unit each), and what is billed stays within the quota
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        JsonNode units = computeUnits(t);
        while (units.path("used").asLong() < answered && Instant.now().isBefore(deadline)) {
            Thread.sleep(200);
            units = computeUnits(t);
        }
        long used = units.path("used").asLong();
        assertTrue(used >= answered, "each answered prediction is billed: " + units + ", answered " + answered);
        assertTrue(used <= QUOTA, "billed units stay within the quota: " + units);
        assertEquals(QUOTA, units.path("monthlyQuota").asLong(), units::toString);
        assertTrue(used + units.path("reserved").asLong() <= QUOTA, units::toString);
        assertEquals(0, units.path("remaining").asLong(), "the month is used up: " + units);
    }
}
