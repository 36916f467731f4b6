package io.aiaas.local;

import static io.aiaas.local.ItSupport.awaitEnd;
import static io.aiaas.local.ItSupport.job;
import static io.aiaas.local.ItSupport.newTenant;
import static io.aiaas.local.ItSupport.submit;
import static io.aiaas.local.ItSupport.uploadDataset;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.archive.SavedModelArchive;
import io.aiaas.common.id.Ids;
import io.aiaas.infra.fixtures.DenseSavedModel;
import io.aiaas.infra.fixtures.Digits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Deleting a tenant on the packaged platform: its key stops at once, and in the background its models, versions,
 * datasets, jobs (a finished one, and a training job running at the deletion, which its worker is told to cancel) and
 * files go, as the administrators' purge view shows; another tenant keeps everything and its audit trail stays.
 */
@ExtendWith(SharedPlatform.class)
class TenantPurgeIT {
    private static final float[][] W = {{1f, 0f, 0.5f}, {0f, 1f, 0.5f}, {1f, 1f, 0f}, {-1f, 0f, 2f}};
    private static final float[] B = {0.5f, -1f, 0f};
    /** The purger looks every 5 s; a running job stops within a training step once told. */
    private static final Duration PURGE_TIMEOUT = Duration.ofSeconds(120);

    static PlatformRuntime platform;
    static PlatformClient api;
    static String admin;
    static Path work;

    @BeforeAll
    static void setUp() throws Exception {
        platform = SharedPlatform.platform();
        api = SharedPlatform.api();
        admin = SharedPlatform.adminToken();
        work = Files.createTempDirectory("it-purge");
    }

    @AfterAll
    static void cleanUp() {
        SavedModelArchive.deleteTree(work);
    }

    private static void uploadDense(ItSupport.Tenant t, String model) throws Exception {
        Path dir = work.resolve(model + "-" + Ids.randomBase62(6));
        DenseSavedModel.export(dir.resolve("m"), W, B);
        ItSupport.uploadModel(api, t, model, Archives.zip(dir.resolve("m")));
    }

    private static Map<String, Object> inline(String model) {
        return Map.of(
                "type",
                "inference",
                "model",
                model,
                "inputs",
                List.of(Map.of("name", "x", "datatype", "FP32", "shape", List.of(1, 4), "data", List.of(1, 2, 3, 4))));
    }

    /** Many epochs over the digits: still running when the tenant is deleted. */
    private static Map<String, Object> longTraining(String datasetId) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("layers", List.of(Map.of("type", "dense", "units", 10, "activation", "softmax")));
        spec.put("loss", "sparse_categorical_crossentropy");
        spec.put("epochs", 500);
        spec.put("batchSize", 32);
        spec.put("seed", 7);
        return Map.of("type", "training", "dataset", datasetId, "model", "trained", "spec", spec);
    }

    private static PlatformClient.Reply purgeView(String tenantId, String token) throws Exception {
        return api.get("/admin/v1/tenants/" + tenantId + "/purge", token);
    }

    @Test
    void aDeletedTenantsObjectsGoInTheBackgroundAndItsKeyStopsAtOnce() throws Exception {
        ItSupport.Tenant t = newTenant(api, admin, "it-purge");
        ItSupport.Tenant other = newTenant(api, admin, "it-kept");
        uploadDense(t, "dense");
        uploadDense(other, "dense");
        Path csv = work.resolve("digits.csv");
        Digits.writeCsv(csv, 2_000, 3);
        String dataset = uploadDataset(t, api, csv, false);
        String finished = submit(api, t, inline("dense"));
        assertEquals("succeeded", awaitEnd(api, t, finished).path("status").asText());
        String running = submit(api, t, longTraining(dataset));
        awaitStatus(t, running, "running");
        Path files = platform.stateDir().resolve("artifacts").resolve(t.id());
        assertTrue(Files.isDirectory(files), "the tenant's archives and dataset are on disk at " + files);
        assertEquals(404, purgeView(t.id(), admin).status(), "no purge before the deletion");

        assertEquals(204, api.delete("/admin/v1/tenants/" + t.id(), admin).status());
        // The key stops at once (the contract's second), long before the purge ends.
        awaitKeyStatus(t.key(), 401, Duration.ofSeconds(5));

        Instant deadline = Instant.now().plus(PURGE_TIMEOUT);
        JsonNode purge = null;
        while (Instant.now().isBefore(deadline)) {
            var reply = purgeView(t.id(), admin);
            if (reply.status() == 200) {
                purge = reply.json();
                if (purge.path("status").asText().equals("finished")) {
                    break;
                }
                assertEquals("pending", purge.path("status").asText(), purge::toString);
            } else {
                assertEquals(404, reply.status(), reply::toString); // the deletion is on its way to model-service
            }
            Thread.sleep(500);
        }
        if (purge == null || !purge.path("status").asText().equals("finished")) {
            fail("the purge did not finish within " + PURGE_TIMEOUT + "; last seen: " + purge);
        }
        assertEquals(t.id(), purge.path("tenantId").asText());
        assertTrue(purge.path("finishedAt").isTextual(), purge::toString);
        for (String kind : List.of("models", "versions", "datasets", "jobs")) {
            assertEquals(0, purge.path("remaining").path(kind).asLong(), kind + " in " + purge);
        }
        assertFalse(Files.exists(files), "the tenant's files are gone");
        SkeletonPathIT.assertProblem(api.get("/v1/models", t.key()), 401, "unauthorized");

        // The other tenant keeps its model and predicts with it.
        String kept = submit(api, other, inline("dense"));
        assertEquals("succeeded", awaitEnd(api, other, kept).path("status").asText());
        assertEquals(200, api.get("/v1/models/dense", other.key()).status());

        // What stays: the audit trail, and usage where the administrators' usage view exists (another change adds
        // /admin/v1/usage; without it there is nothing to read here, and the check is skipped).
        var audit = api.get("/admin/v1/audit?tenant=" + t.id(), admin);
        assertEquals(200, audit.status(), audit::toString);
        assertTrue(audit.json().path("items").size() > 0, audit::toString);
        var usage = api.get("/admin/v1/usage?tenant=" + t.id(), admin);
        if (usage.status() != 404) {
            Instant usageDeadline = Instant.now().plusSeconds(30);
            while (usage.status() == 200
                    && usage.json().path("items").isEmpty()
                    && Instant.now().isBefore(usageDeadline)) {
                Thread.sleep(500); // usage events are consumed asynchronously
                usage = api.get("/admin/v1/usage?tenant=" + t.id(), admin);
            }
            assertEquals(200, usage.status(), usage::toString);
            assertTrue(usage.json().path("items").size() > 0, "the deleted tenant's usage stays: " + usage);
        }

        // Bad requests of the purge view.
        SkeletonPathIT.assertProblem(purgeView(Ids.newId(Ids.TENANT), admin), 404, "not-found");
        SkeletonPathIT.assertProblem(purgeView(other.id(), admin), 404, "not-found");
        SkeletonPathIT.assertProblem(purgeView("not-a-tenant", admin), 404, "not-found");
        SkeletonPathIT.assertProblem(purgeView(t.id(), other.key()), 401, "unauthorized");
        SkeletonPathIT.assertProblem(purgeView(t.id(), null), 401, "unauthorized");
        String noRole = PlatformClient.passwordGrant(platform.oidcUrl(), "no-role", "no-role");
        SkeletonPathIT.assertProblem(purgeView(t.id(), noRole), 403, "forbidden");
    }

    private static void awaitStatus(ItSupport.Tenant t, String jobId, String status) throws Exception {
        Instant deadline = Instant.now().plus(ItSupport.JOB_TIMEOUT);
        JsonNode seen = null;
        while (Instant.now().isBefore(deadline)) {
            seen = job(api, t, jobId);
            if (seen.path("status").asText().equals(status)) {
                return;
            }
            Thread.sleep(100);
        }
        fail("job " + jobId + " was not " + status + " within " + ItSupport.JOB_TIMEOUT + "; last seen: " + seen);
    }

    private static void awaitKeyStatus(String key, int status, Duration within) throws Exception {
        Instant deadline = Instant.now().plus(within);
        int seen = -1;
        while (Instant.now().isBefore(deadline)) {
            seen = api.get("/v1/models", key).status();
            if (seen == status) {
                return;
            }
            Thread.sleep(100);
        }
        fail("the key answered " + seen + ", not " + status + ", " + within + " after the deletion");
    }
}
