package io.aiaas.local;

import static io.aiaas.local.ItSupport.awaitEnd;
import static io.aiaas.local.ItSupport.uploadDense;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.auth.InternalTokenSigner;
import io.aiaas.common.auth.Scopes;
import io.aiaas.common.auth.SigningKeys;
import io.aiaas.common.error.ProblemType;
import io.aiaas.common.id.Ids;
import io.aiaas.common.json.Json;
import io.aiaas.local.ItSupport.Tenant;
import io.aiaas.local.ServiceProcess.Service;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The monthly compute-unit quota end to end: a tenant on a plan of 12 units (two inline jobs' estimates of 5) submits
 * many inline inference jobs at once; some are refused with 429 {@code quota-exceeded} before anything is stored, the
 * units used never pass the quota, and the usage view's {@code computeUnits} agree with the usage items. A reservation
 * whose work never ends (made at tenant-service as model-service makes it, with a 2 s lifetime) holds the quota until
 * it expires, then frees its units. The administrators' usage view and CSV export answer through the gateway.
 */
@ExtendWith(SharedPlatform.class)
class ComputeQuotaIT {
    private static final long QUOTA = 12;
    private static final float[][] W = {{1f, 0f, 0.5f}, {0f, 1f, 0.5f}, {1f, 1f, 0f}, {-1f, 0f, 2f}};
    private static final float[] B = {0.5f, -1f, 0f};

    static PlatformRuntime platform;
    static PlatformClient api;
    static String admin;

    @BeforeAll
    static void connect() throws Exception {
        platform = SharedPlatform.platform();
        api = SharedPlatform.api();
        admin = SharedPlatform.adminToken();
    }

    private static Tenant newTenant() throws Exception {
        return ItSupport.newTenant(api, admin, "it-quota", Map.of("monthlyComputeUnits", QUOTA));
    }

    private static Map<String, Object> inline(String model, float x) {
        return Map.of(
                "type",
                "inference",
                "model",
                model,
                "inputs",
                List.of(Map.of("name", "x", "datatype", "FP32", "shape", List.of(1, 4), "data", List.of(x, 0, 0, 1))));
    }

    private static JsonNode computeUnits(Tenant t) throws Exception {
        var usage = api.get("/v1/usage", t.key());
        assertEquals(200, usage.status(), usage::toString);
        return usage.json();
    }

    private static void assertQuotaExceeded(PlatformClient.Reply reply) {
        assertEquals(429, reply.status(), reply::toString);
        assertTrue(reply.contentType().startsWith("application/problem+json"), reply::toString);
        assertEquals(ProblemType.QUOTA_EXCEEDED_TYPE, reply.json().path("type").asText());
        long retryAfter = Long.parseLong(reply.header("Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= 31L * 24 * 3600, "Retry-After: the next UTC month");
    }

    @Test
    void concurrentJobsNeverSpendMoreThanTheQuotaAndAReservationOfLostWorkExpires() throws Exception {
        Tenant t = newTenant();
        uploadDense(api, t, "metered", W, B);

        // many jobs at once: two estimates fit, the rest are refused before anything is stored
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<PlatformClient.Reply>> replies = new ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) {
                float x = i;
                replies.add(pool.submit(() -> api.postJson("/v1/jobs", t.key(), inline("metered", x))));
            }
            List<String> accepted = new ArrayList<>();
            int refused = 0;
            for (Future<PlatformClient.Reply> f : replies) {
                PlatformClient.Reply reply = f.get();
                if (reply.status() == 202) {
                    accepted.add(reply.json().path("id").asText());
                } else {
                    assertQuotaExceeded(reply);
                    refused++;
                }
            }
            assertTrue(!accepted.isEmpty(), "some jobs fit the quota");
            assertTrue(refused > 0, "40 jobs at once do not fit 12 units");
            var listed = api.get("/v1/jobs?limit=100", t.key()).json().path("items");
            assertEquals(accepted.size(), listed.size(), "refused jobs were not stored");
            for (String id : accepted) {
                awaitEnd(api, t, id);
            }
        } finally {
            pool.shutdownNow();
        }

        // the usage events settle the reservations; units used never pass the quota
        Instant deadline = Instant.now().plusSeconds(60);
        JsonNode usage = computeUnits(t);
        while (usage.path("computeUnits").path("reserved").asLong() > 0
                && Instant.now().isBefore(deadline)) {
            Thread.sleep(250);
            usage = computeUnits(t);
        }
        JsonNode units = usage.path("computeUnits");
        assertEquals(QUOTA, units.path("monthlyQuota").asLong(), usage::toString);
        assertEquals(0, units.path("reserved").asLong(), "every job's usage event settled its reservation");
        assertTrue(units.path("used").asLong() <= QUOTA, usage::toString);
        assertEquals(
                usage.path("totals").path("units").asLong(), units.path("used").asLong(), usage::toString);
        assertEquals(
                Math.max(0, QUOTA - units.path("used").asLong()),
                units.path("remaining").asLong(),
                usage::toString);

        // work that never ends holds what is left until its reservation expires
        long left = units.path("remaining").asLong();
        HttpResponse<String> held = reserveAtTenantService(t.id(), "job_neverends" + Ids.randomBase62(10), left, 2);
        assertEquals(201, held.statusCode(), held::body);
        assertQuotaExceeded(api.postJson("/v1/jobs", t.key(), inline("metered", 1)));
        Thread.sleep(2500);
        var afterExpiry = api.postJson("/v1/jobs", t.key(), inline("metered", 1));
        if (left >= 5) {
            assertEquals(202, afterExpiry.status(), afterExpiry::toString);
            awaitEnd(api, t, afterExpiry.json().path("id").asText());
        } else {
            assertQuotaExceeded(afterExpiry); // the month's usage alone leaves too little
        }
        assertTrue(computeUnits(t).path("computeUnits").path("used").asLong() <= QUOTA);

        // administrators see the tenant's quota, and the export, through the gateway
        var adminView = api.get("/admin/v1/usage?tenant=" + t.id(), admin);
        assertEquals(200, adminView.status(), adminView::toString);
        assertEquals(
                QUOTA,
                adminView.json().path("computeUnits").path("monthlyQuota").asLong());
        assertEquals(
                t.id(), adminView.json().path("items").path(0).path("tenantId").asText(), adminView::toString);
        var export = api.get("/admin/v1/usage/export", admin);
        assertEquals(200, export.status(), export::toString);
        assertTrue(export.contentType().startsWith("text/csv"), export::toString);
        assertTrue(export.body().startsWith("tenantId,start,kind,model,requests,examples,computeMillis,units\r\n"));
        assertTrue(export.body().contains("\r\n" + t.id() + ","), "the tenant's rows are exported");
    }

    @Test
    void badUsageQueriesAreProblemsAndTheAdminViewsAreAdministratorsOnly() throws Exception {
        Tenant t = newTenant();
        for (String path : List.of(
                "/admin/v1/usage?granularity=week",
                "/admin/v1/usage?from=yesterday",
                "/admin/v1/usage?from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z",
                "/admin/v1/usage/export?to=soon",
                "/admin/v1/usage/export?granularity=minute")) {
            var reply = api.get(path, admin);
            assertEquals(400, reply.status(), path + " " + reply);
            assertTrue(reply.contentType().startsWith("application/problem+json"), reply::toString);
        }
        var unknown = api.get("/admin/v1/usage?tenant=ten_nobody", admin);
        assertEquals(404, unknown.status(), unknown::toString);
        assertEquals(401, api.get("/admin/v1/usage", t.key()).status(), "an API key never reaches /admin");
        assertEquals(401, api.get("/admin/v1/usage/export", t.key()).status());
    }

    /** A reservation as model-service makes it, signed with model-service's key from the installation's secrets. */
    private static HttpResponse<String> reserveAtTenantService(String tenant, String id, long units, long ttl)
            throws Exception {
        Path key = platform.stateDir().resolve("secrets").resolve("model-service-signing-key.pem");
        String token = new InternalTokenSigner(InternalToken.ISSUER_MODEL_SERVICE, SigningKeys.readPrivateKey(key))
                .sign(
                        InternalToken.AUDIENCE_TENANT_SERVICE,
                        "model-service",
                        null,
                        List.of(),
                        List.of(Scopes.ROLE_SERVICE),
                        null);
        String body = Json.write(Map.of("tenantId", tenant, "reservationId", id, "units", units, "ttlSeconds", ttl));
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(
                                        platform.service(Service.TENANT).url() + "/internal/v1/compute/reservations"))
                                .header("Authorization", "Bearer " + token)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }
}
