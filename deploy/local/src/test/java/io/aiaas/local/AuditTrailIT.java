package io.aiaas.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.archive.SavedModelArchive;
import io.aiaas.common.id.Ids;
import io.aiaas.infra.fixtures.DenseSavedModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The audit trail across services, through the gateway: a tenant's model, version, alias, dataset, job and key changes
 * (made in model-service and tenant-service) and an administrator's plan, tenant and key changes each appear exactly
 * once at {@code GET /admin/v1/audit?tenant=}, with the actor, the request id the gateway answered with and the
 * contract's target form; refused changes appear not at all. And {@code storageBytes}: an upload past it is a 413 that
 * stores nothing.
 */
@ExtendWith(SharedPlatform.class)
class AuditTrailIT {
    private static final float[][] W = {{1f, 0f, 0.5f}, {0f, 1f, 0.5f}, {1f, 1f, 0f}, {-1f, 0f, 2f}};
    private static final float[] B = {0.5f, -1f, 0f};
    private static final Duration ARRIVAL = Duration.ofSeconds(60);

    private static PlatformClient api;
    private static String admin;
    private static byte[] denseZip;

    @BeforeAll
    static void start() throws Exception {
        api = SharedPlatform.api();
        admin = SharedPlatform.adminToken();
        Path dir = Files.createTempDirectory("it-audit-model");
        try {
            DenseSavedModel.export(dir.resolve("m"), W, B);
            denseZip = Archives.zip(dir.resolve("m"));
        } finally {
            SavedModelArchive.deleteTree(dir);
        }
    }

    /** One change the trail must show: what, on which target, by whom, in which request. */
    private record Expected(String action, String target, String actor, String requestId) {}

    /** The request id the gateway answered with (the caller sent none: the gateway's own {@code req_…}). */
    private static String requestId(PlatformClient.Reply reply) {
        String id = reply.header("X-Request-Id");
        assertNotNull(id, "X-Request-Id of " + reply);
        assertTrue(id.startsWith("req_"), id);
        return id;
    }

    private static PlatformClient.Reply expect(int status, PlatformClient.Reply reply) {
        assertEquals(status, reply.status(), reply::toString);
        return reply;
    }

    private static void problem(int status, PlatformClient.Reply reply) {
        assertEquals(status, reply.status(), reply::toString);
        assertTrue(reply.contentType().startsWith("application/problem+json"), reply::toString);
    }

    /** A plan of its own with {@code storageBytes} and generous everything else, as an administrator creates it. */
    private static PlatformClient.Reply createPlan(String name, long storageBytes) throws Exception {
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("name", name);
        limits.put("requestsPerSecond", 10_000);
        limits.put("burst", 10_000);
        limits.put("concurrentJobs", 4);
        limits.put("monthlyComputeUnits", 1_000_000_000L);
        limits.put("maxRequestBytes", 8_388_608L);
        limits.put("maxModelBytes", 104_857_600L);
        limits.put("storageBytes", storageBytes);
        limits.put("maxBatchRows", 1_000_000L);
        return expect(201, api.postJson("/admin/v1/plans", admin, limits));
    }

    private static String planName() {
        return "it-audit-" + Ids.randomBase62(6).toLowerCase(Locale.ROOT);
    }

    /** Every entry of the tenant's trail, newest first, all pages. */
    private static List<JsonNode> trail(String tenant) throws Exception {
        List<JsonNode> entries = new ArrayList<>();
        String cursor = null;
        do {
            var page = expect(
                    200,
                    api.get(
                            "/admin/v1/audit?tenant=" + tenant + "&limit=7"
                                    + (cursor == null ? "" : "&cursor=" + cursor),
                            admin));
            page.json().path("items").forEach(entries::add);
            cursor = page.json().path("nextCursor").isNull()
                    ? null
                    : page.json().path("nextCursor").asText(null);
        } while (cursor != null);
        return entries;
    }

    /** The tenant's trail once it holds {@code expected} entries (other services' arrive within seconds). */
    private static List<JsonNode> trailOf(String tenant, int expected) throws Exception {
        Instant deadline = Instant.now().plus(ARRIVAL);
        List<JsonNode> entries = trail(tenant);
        while (entries.size() < expected && Instant.now().isBefore(deadline)) {
            Thread.sleep(250);
            entries = trail(tenant);
        }
        return entries;
    }

    @Test
    void everyActionAppearsOnceWithActorRequestIdAndTarget() throws Exception {
        List<Expected> expected = new ArrayList<>();
        // an administrator: a plan, a tenant on it, the tenant's first key
        String planName = planName();
        var planReply = createPlan(planName, 4_294_967_296L);
        String planRequest = requestId(planReply);
        var tenantReply = expect(
                201,
                api.postJson(
                        "/admin/v1/tenants",
                        admin,
                        Map.of("name", "it-audit-" + Ids.randomBase62(8).toLowerCase(Locale.ROOT), "plan", planName)));
        String tenant = tenantReply.json().path("id").asText();
        var firstKey =
                expect(201, api.postJson("/admin/v1/tenants/" + tenant + "/api-keys", admin, Map.of("name", "it")));
        String keyId = firstKey.json().path("keyId").asText();
        String key = firstKey.json().path("key").asText();
        assertFalse(keyId.isEmpty(), firstKey::toString);
        expected.add(new Expected("tenant.created", "tenant:" + tenant, null, requestId(tenantReply)));
        expected.add(new Expected("api-key.created", "api-key:" + keyId, null, requestId(firstKey)));

        // the tenant, with its key
        var model = expect(201, api.postJson("/v1/models", key, Map.of("name", "audited")));
        expected.add(new Expected("model.created", "model:audited", keyId, requestId(model)));
        var version = expect(201, api.send("POST", "/v1/models/audited/versions", key, "application/zip", denseZip));
        expected.add(new Expected("version.created", "version:audited/1", keyId, requestId(version)));
        var alias = expect(
                200,
                api.send(
                        "PUT",
                        "/v1/models/audited/aliases/production",
                        key,
                        "application/json",
                        "{\"version\":1}".getBytes(StandardCharsets.UTF_8)));
        expected.add(new Expected("alias.set", "alias:audited/production", keyId, requestId(alias)));
        var unalias = expect(204, api.delete("/v1/models/audited/aliases/production", key));
        expected.add(new Expected("alias.deleted", "alias:audited/production", keyId, requestId(unalias)));
        var dataset = expect(
                201,
                api.send(
                        "POST",
                        "/v1/datasets?name=audited&label=label",
                        key,
                        "text/csv",
                        "a,b,c,d,label\n1,2,3,4,0\n5,6,7,8,1\n".getBytes(StandardCharsets.UTF_8)));
        String datasetId = dataset.json().path("id").asText();
        expected.add(new Expected("dataset.created", "dataset:" + datasetId, keyId, requestId(dataset)));
        var job = expect(
                202,
                api.postJson(
                        "/v1/jobs",
                        key,
                        Map.of(
                                "type",
                                "inference",
                                "model",
                                "audited",
                                "inputs",
                                List.of(Map.of(
                                        "name",
                                        "x",
                                        "datatype",
                                        "FP32",
                                        "shape",
                                        List.of(1, 4),
                                        "data",
                                        List.of(1f, 2f, 3f, 4f))))));
        String jobId = job.json().path("id").asText();
        expected.add(new Expected("job.created", "job:" + jobId, keyId, requestId(job)));
        var made = expect(201, api.postJson("/v1/api-keys", key, Map.of("name", "second")));
        String secondKey = made.json().path("keyId").asText();
        expected.add(new Expected("api-key.created", "api-key:" + secondKey, keyId, requestId(made)));
        var revoked = expect(204, api.delete("/v1/api-keys/" + secondKey, key));
        expected.add(new Expected("api-key.revoked", "api-key:" + secondKey, keyId, requestId(revoked)));

        // refused changes: each a problem, none of them in the trail
        problem(404, api.send("POST", "/v1/models/nosuch/versions", key, "application/zip", denseZip));
        problem(404, api.delete("/v1/models/audited/aliases/nosuch", key));
        problem(404, api.delete("/v1/datasets/" + Ids.newId(Ids.DATASET), key));
        problem(400, api.postJson("/v1/models", key, "{not json"));
        problem(
                422,
                api.send(
                        "POST",
                        "/v1/models/audited/versions",
                        key,
                        "application/zip",
                        "not a zip".getBytes(StandardCharsets.UTF_8)));

        // the job ends on its own: the platform is its actor, the request that submitted it its request
        JsonNode ended = ItSupport.awaitEnd(api, new ItSupport.Tenant(tenant, key), jobId);
        String endAction = "job." + ended.path("status").asText();
        expected.add(new Expected(endAction, "job:" + jobId, "system", requestId(job)));

        // an administrator suspends and resumes the tenant
        var suspended = expect(200, api.send("POST", "/admin/v1/tenants/" + tenant + "/suspend", admin, null, null));
        expected.add(new Expected("tenant.suspended", "tenant:" + tenant, null, requestId(suspended)));
        var resumed = expect(200, api.send("POST", "/admin/v1/tenants/" + tenant + "/resume", admin, null, null));
        expected.add(new Expected("tenant.resumed", "tenant:" + tenant, null, requestId(resumed)));

        List<JsonNode> entries = trailOf(tenant, expected.size());
        List<String> seen = entries.stream()
                .map(e -> e.path("action").asText() + " " + e.path("target").asText())
                .toList();
        assertEquals(expected.size(), entries.size(), "every action once, nothing else: " + seen);
        String adminActor = null;
        for (Expected x : expected) {
            List<JsonNode> matching = entries.stream()
                    .filter(e -> e.path("action").asText().equals(x.action())
                            && e.path("target").asText().equals(x.target()))
                    .toList();
            assertEquals(1, matching.size(), x + " in " + seen);
            JsonNode entry = matching.get(0);
            assertEquals(tenant, entry.path("tenantId").asText(), x.toString());
            assertEquals(x.requestId(), entry.path("requestId").asText(), x.toString());
            assertTrue(entry.path("at").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"));
            if (x.actor() != null) {
                assertEquals(x.actor(), entry.path("actor").asText(), x.toString());
            } else {
                // an administrator: the same one throughout, never a key or the platform
                String actor = entry.path("actor").asText();
                assertFalse(actor.isBlank() || actor.equals("system") || actor.equals(keyId), actor);
                if (adminActor == null) {
                    adminActor = actor;
                }
                assertEquals(adminActor, actor, x.toString());
            }
        }

        // the plan concerns no tenant: it is in the trail of all
        JsonNode planEntry = null;
        String cursor = null;
        for (int pages = 0; pages < 20 && planEntry == null; pages++) {
            var page = expect(
                    200, api.get("/admin/v1/audit?limit=100" + (cursor == null ? "" : "&cursor=" + cursor), admin));
            for (JsonNode e : page.json().path("items")) {
                if (e.path("target").asText().equals("plan:" + planName)) {
                    assertEquals("plan.created", e.path("action").asText());
                    assertEquals(planRequest, e.path("requestId").asText());
                    assertEquals(adminActor, e.path("actor").asText());
                    assertTrue(e.path("tenantId").isNull() || e.path("tenantId").isMissingNode(), e.toString());
                    planEntry = e;
                }
            }
            cursor = page.json().path("nextCursor").asText(null);
            if (cursor == null || page.json().path("nextCursor").isNull()) {
                break;
            }
        }
        assertNotNull(planEntry, "plan.created of " + planName);

        // bad parameters of the list, and a tenant's key on the admin API
        problem(400, api.get("/admin/v1/audit?cursor=garbage", admin));
        problem(400, api.get("/admin/v1/audit?limit=0", admin));
        problem(400, api.get("/admin/v1/audit?tenant=acme", admin));
        problem(401, api.get("/admin/v1/audit?tenant=" + tenant, key));
    }

    @Test
    void uploadsPastStorageBytesAre413AndStoreNothing() throws Exception {
        // room for less than one archive
        long storageBytes = denseZip.length - 1;
        String planName = planName();
        createPlan(planName, storageBytes);
        var tenantReply = expect(
                201,
                api.postJson(
                        "/admin/v1/tenants",
                        admin,
                        Map.of("name", "it-full-" + Ids.randomBase62(8).toLowerCase(Locale.ROOT), "plan", planName)));
        String tenant = tenantReply.json().path("id").asText();
        String key = expect(201, api.postJson("/admin/v1/tenants/" + tenant + "/api-keys", admin, Map.of("name", "it")))
                .json()
                .path("key")
                .asText();
        expect(201, api.postJson("/v1/models", key, Map.of("name", "full")));

        problem(413, api.send("POST", "/v1/models/full/versions", key, "application/zip", denseZip));
        // a dataset larger than what is left (counted uncompressed)
        StringBuilder csv = new StringBuilder("a,label\n");
        while (csv.length() <= storageBytes) {
            csv.append("1,0\n");
        }
        problem(
                413,
                api.send(
                        "POST",
                        "/v1/datasets?name=full&label=label",
                        key,
                        "text/csv",
                        csv.toString().getBytes(StandardCharsets.UTF_8)));

        // the tenant's storage is as it was: no version, no dataset, nothing in the trail of either
        assertEquals(
                0,
                expect(200, api.get("/v1/models/full/versions", key))
                        .json()
                        .path("items")
                        .size());
        assertEquals(
                0,
                expect(200, api.get("/v1/datasets", key)).json().path("items").size());
        List<JsonNode> entries = trailOf(tenant, 3);
        List<String> actions =
                entries.stream().map(e -> e.path("action").asText()).toList();
        assertEquals(List.of("model.created", "api-key.created", "tenant.created"), actions);
    }
}
