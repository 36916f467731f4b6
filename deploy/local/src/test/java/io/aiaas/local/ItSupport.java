package io.aiaas.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.archive.SavedModelArchive;
import io.aiaas.common.id.Ids;
import io.aiaas.common.json.Json;
import io.aiaas.infra.fixtures.DenseSavedModel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the end-to-end tests of datasets, batch and training jobs do through the public API, as a tenant would: a
 * tenant of their own on a plan whose limits do not bind, uploads, jobs, waiting for a job's end, reading its result.
 */
final class ItSupport {
    static final Duration JOB_TIMEOUT = Duration.ofSeconds(180);

    private ItSupport() {}

    record Tenant(String id, String key) {}

    /** A tenant on a plan of its own whose limits do not bind. */
    static Tenant newTenant(PlatformClient api, String admin, String prefix) throws Exception {
        return newTenant(api, admin, prefix, Map.of());
    }

    /** A tenant on a plan of its own: {@code binding} limits (e.g. {@code monthlyComputeUnits}), the rest do not bind. */
    static Tenant newTenant(PlatformClient api, String admin, String prefix, Map<String, Object> binding)
            throws Exception {
        String plan = "it-plan-" + Ids.randomBase62(6).toLowerCase(Locale.ROOT);
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("name", plan);
        limits.put("requestsPerSecond", 10_000);
        limits.put("burst", 10_000);
        limits.put("concurrentJobs", 4);
        limits.put("monthlyComputeUnits", 1_000_000_000L);
        limits.put("maxRequestBytes", 8_388_608L);
        limits.put("maxModelBytes", 1_073_741_824L);
        limits.put("storageBytes", 4_294_967_296L);
        limits.put("maxBatchRows", 1_000_000L);
        limits.putAll(binding);
        var created = api.postJson("/admin/v1/plans", admin, limits);
        assertEquals(201, created.status(), created::toString);
        String name = prefix + "-" + Ids.randomBase62(8).toLowerCase(Locale.ROOT);
        var tenant = api.postJson("/admin/v1/tenants", admin, Map.of("name", name, "plan", plan));
        assertEquals(201, tenant.status(), tenant::toString);
        String id = tenant.json().path("id").asText();
        var key = api.postJson("/admin/v1/tenants/" + id + "/api-keys", admin, Map.of("name", "it"));
        assertEquals(201, key.status(), key::toString);
        return new Tenant(id, key.json().path("key").asText());
    }

    static String uploadDataset(Tenant t, PlatformClient via, Path csv, boolean gzip) throws Exception {
        var reply = via.upload("/v1/datasets?name=it-data&label=label", t.key(), "text/csv", gzip ? "gzip" : null, csv);
        assertEquals(201, reply.status(), reply::toString);
        return reply.json().path("id").asText();
    }

    static void uploadModel(PlatformClient api, Tenant t, String model, byte[] zip) throws Exception {
        assertEquals(
                201, api.postJson("/v1/models", t.key(), Map.of("name", model)).status());
        var uploaded = api.send("POST", "/v1/models/" + model + "/versions", t.key(), "application/zip", zip);
        assertEquals(201, uploaded.status(), uploaded::toString);
    }

    /** Creates {@code model} with, as its first version, the linear SavedModel {@code y = x·w + b}. */
    static void uploadDense(PlatformClient api, Tenant t, String model, float[][] w, float[] b) throws Exception {
        Path dir = Files.createTempDirectory("it-dense-model");
        try {
            DenseSavedModel.export(dir.resolve("m"), w, b);
            uploadModel(api, t, model, Archives.zip(dir.resolve("m")));
        } finally {
            SavedModelArchive.deleteTree(dir);
        }
    }

    static String submit(PlatformClient api, Tenant t, Map<String, Object> body) throws Exception {
        var reply = api.postJson("/v1/jobs", t.key(), body);
        assertEquals(202, reply.status(), reply::toString);
        return reply.json().path("id").asText();
    }

    static JsonNode job(PlatformClient api, Tenant t, String jobId) throws Exception {
        var reply = api.get("/v1/jobs/" + jobId, t.key());
        assertEquals(200, reply.status(), reply::toString);
        return reply.json();
    }

    static JsonNode awaitEnd(PlatformClient api, Tenant t, String jobId) throws Exception {
        Instant deadline = Instant.now().plus(JOB_TIMEOUT);
        JsonNode job = null;
        while (Instant.now().isBefore(deadline)) {
            job = job(api, t, jobId);
            String status = job.path("status").asText();
            if (status.equals("succeeded") || status.equals("failed") || status.equals("cancelled")) {
                return job;
            }
            Thread.sleep(100);
        }
        return fail("job " + jobId + " did not end within " + JOB_TIMEOUT + "; last seen: " + job);
    }

    /** Every line of a batch job's result, by row; fails on a row seen twice. */
    static Map<Long, JsonNode> result(PlatformClient api, Tenant t, String jobId) throws Exception {
        Map<Long, JsonNode> lines = new LinkedHashMap<>();
        AtomicLong duplicates = new AtomicLong();
        int status = api.stream("/v1/jobs/" + jobId + "/result", t.key(), body -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    JsonNode json = Json.read(line, JsonNode.class);
                    if (lines.put(json.path("row").asLong(), json.path("outputs")) != null) {
                        duplicates.incrementAndGet();
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        assertEquals(200, status, "the result of " + jobId);
        assertEquals(0, duplicates.get(), "no row twice");
        return lines;
    }

    /** The job's body for a batch inference job over a dataset. */
    static Map<String, Object> batch(String model, Integer version, String datasetId, int chunkRows) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "inference");
        body.put("model", model);
        if (version != null) {
            body.put("version", version);
        }
        body.put("dataset", datasetId);
        body.put("parameters", Map.of("chunk_rows", chunkRows));
        return body;
    }
}
