package io.aiaas.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.archive.SavedModelArchive;
import io.aiaas.common.id.Ids;
import io.aiaas.common.json.Json;
import io.aiaas.infra.fixtures.DenseSavedModel;
import io.aiaas.local.ServiceProcess.Service;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The job engine end to end on the packaged platform: a worker killed outright mid-run loses no job and bills none
 * twice; {@code concurrentJobs} holds; queued and terminal jobs answer cancellation as the contract says; a job whose
 * model cannot load ends on the dead-letter topic after its attempts, while an artifact outage burns none.
 */
@ExtendWith(SharedPlatform.class)
class JobEngineIT {
    private static final float[][] W = {{1f, 0f, 0.5f}, {0f, 1f, 0.5f}, {1f, 1f, 0f}, {-1f, 0f, 2f}};
    private static final float[] B = {0.5f, -1f, 0f};
    private static final Duration JOB_TIMEOUT = Duration.ofSeconds(120);

    static PlatformRuntime platform;
    static PlatformClient api;
    static String admin;

    @BeforeAll
    static void connect() throws Exception {
        platform = SharedPlatform.platform();
        api = SharedPlatform.api();
        admin = SharedPlatform.adminToken();
    }

    private record Tenant(String id, String key) {}

    private static Tenant newTenant(String plan) throws Exception {
        String name = "it-jobs-" + Ids.randomBase62(8).toLowerCase(Locale.ROOT);
        var tenant = api.postJson("/admin/v1/tenants", admin, Map.of("name", name, "plan", plan));
        assertEquals(201, tenant.status(), tenant::toString);
        String id = tenant.json().path("id").asText();
        var key = api.postJson("/admin/v1/tenants/" + id + "/api-keys", admin, Map.of("name", "it"));
        assertEquals(201, key.status(), key::toString);
        return new Tenant(id, key.json().path("key").asText());
    }

    /** A plan of its own with {@code concurrentJobs} and generous everything else. */
    private static String plan(int concurrentJobs) throws Exception {
        String name = "it-plan-" + Ids.randomBase62(6).toLowerCase(Locale.ROOT);
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("name", name);
        limits.put("requestsPerSecond", 10_000);
        limits.put("burst", 10_000);
        limits.put("concurrentJobs", concurrentJobs);
        limits.put("monthlyComputeUnits", 1_000_000_000L);
        limits.put("maxRequestBytes", 8_388_608L);
        limits.put("maxModelBytes", 104_857_600L);
        limits.put("storageBytes", 1_073_741_824L);
        limits.put("maxBatchRows", 1_000_000L);
        var created = api.postJson("/admin/v1/plans", admin, limits);
        assertEquals(201, created.status(), created::toString);
        return name;
    }

    private static void uploadDense(Tenant t, String model) throws Exception {
        assertEquals(
                201, api.postJson("/v1/models", t.key, Map.of("name", model)).status());
        Path dir = Files.createTempDirectory("it-jobs-model");
        try {
            DenseSavedModel.export(dir.resolve("m"), W, B);
            var uploaded = api.send(
                    "POST",
                    "/v1/models/" + model + "/versions",
                    t.key,
                    "application/zip",
                    Archives.zip(dir.resolve("m")));
            assertEquals(201, uploaded.status(), uploaded::toString);
        } finally {
            SavedModelArchive.deleteTree(dir);
        }
    }

    private static Map<String, Object> inline(String model, float... x) {
        List<Object> data = new ArrayList<>();
        for (float v : x) {
            data.add(v);
        }
        return Map.of(
                "type",
                "inference",
                "model",
                model,
                "inputs",
                List.of(Map.of("name", "x", "datatype", "FP32", "shape", List.of(1, 4), "data", data)));
    }

    private static String submit(Tenant t, Map<String, Object> body) throws Exception {
        var reply = api.postJson("/v1/jobs", t.key, body);
        assertEquals(202, reply.status(), reply::toString);
        return reply.json().path("id").asText();
    }

    private static JsonNode awaitEnd(Tenant t, String jobId) throws Exception {
        Instant deadline = Instant.now().plus(JOB_TIMEOUT);
        JsonNode job = null;
        while (Instant.now().isBefore(deadline)) {
            var reply = api.get("/v1/jobs/" + jobId, t.key);
            assertEquals(200, reply.status(), reply::toString);
            job = reply.json();
            String status = job.path("status").asText();
            if (status.equals("succeeded") || status.equals("failed") || status.equals("cancelled")) {
                return job;
            }
            Thread.sleep(100);
        }
        return fail("job " + jobId + " did not end within " + JOB_TIMEOUT + "; last seen: " + job);
    }

    private static float[] expected(float[] x) {
        float[] y = new float[B.length];
        for (int j = 0; j < B.length; j++) {
            y[j] = B[j];
            for (int i = 0; i < x.length; i++) {
                y[j] += x[i] * W[i][j];
            }
        }
        return y;
    }

    /**
     * Every committed record of {@code topic} whose value mentions {@code needle}, read again until there are at least
     * {@code atLeast} of them or 20 s have passed (records reach Kafka through outboxes, a moment after the change).
     */
    private static List<JsonNode> records(String topic, String needle, int atLeast) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            List<JsonNode> found = recordsNow(topic, needle);
            if (found.size() >= atLeast || System.nanoTime() > deadline) {
                return found;
            }
            Thread.sleep(250);
        }
    }

    /** Every committed record of {@code topic} up to its end now whose value mentions {@code needle}. */
    private static List<JsonNode> recordsNow(String topic, String needle) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.kafkaBootstrap());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<JsonNode> found = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                assertTrue(System.nanoTime() < deadline, "could not read " + topic + " to its end");
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() != null && r.value().contains(needle)) {
                        found.add(Json.read(r.value(), JsonNode.class));
                    }
                }
            }
        }
        return found;
    }

    @Test
    void aWorkerKilledMidRunLosesNoJobAndBillsNoneTwice() throws Exception {
        Tenant t = newTenant(plan(16));
        uploadDense(t, "crash");
        ServiceProcess second = platform.startReplica(Service.WORKER);
        String secondId = null;
        try {
            Map<String, float[]> inputs = new LinkedHashMap<>();
            for (int i = 0; i < 300; i++) {
                float[] x = {i, 1, 2, -i};
                inputs.put(submit(t, inline("crash", x)), x);
            }
            // mid-run: once some jobs have ended, the second worker dies outright
            List<String> ids = new ArrayList<>(inputs.keySet());
            awaitEnd(t, ids.get(20));
            secondId = workerIdOf(second);
            second.kill();

            for (var job : inputs.entrySet()) {
                JsonNode done = awaitEnd(t, job.getKey());
                assertEquals("succeeded", done.path("status").asText(), done::toString);
                JsonNode data = done.path("result").path("outputs").path(0).path("data");
                float[] want = expected(job.getValue());
                for (int j = 0; j < want.length; j++) {
                    assertEquals(want[j], (float) data.path(j).asDouble(), 1e-4, done::toString);
                }
            }
            // one distinct usage id per job, usage-<job id>; a rerun repeats the same id
            Map<String, Integer> usageIds = new HashMap<>();
            for (JsonNode usage : records("aiaas.usage.v1", t.id, 300)) {
                usageIds.merge(usage.path("id").asText(), 1, Integer::sum);
            }
            Set<String> want = new HashSet<>();
            inputs.keySet().forEach(id -> want.add("usage-" + id));
            assertEquals(want, usageIds.keySet());
            // billed once: the ledger counts 300 examples, and still does a moment later
            assertEquals(300, awaitUsageExamples(t, 300));
            Thread.sleep(2_000);
            assertEquals(300, usageExamples(t));
            // the dead worker shows lost
            String dead = secondId;
            Instant deadline = Instant.now().plusSeconds(60);
            while (true) {
                var workers = api.get("/admin/v1/workers?limit=100", admin);
                assertEquals(200, workers.status(), workers::toString);
                String status = null;
                for (JsonNode w : workers.json().path("items")) {
                    if (w.path("id").asText().equals(dead)) {
                        status = w.path("status").asText();
                    }
                }
                if ("lost".equals(status)) {
                    break;
                }
                assertTrue(Instant.now().isBefore(deadline), "worker " + dead + " still " + status);
                Thread.sleep(250);
            }
        } finally {
            if (second.isAlive()) {
                second.close();
            }
        }
    }

    /** The id a worker process goes by: {@code local-} and the replica's name the runtime gave it. */
    private static String workerIdOf(ServiceProcess worker) {
        String file = worker.log().getFileName().toString();
        return "local-" + file.substring(0, file.length() - ".log".length());
    }

    private static long awaitUsageExamples(Tenant t, long want) throws Exception {
        Instant deadline = Instant.now().plusSeconds(60);
        long seen = usageExamples(t);
        while (seen < want && Instant.now().isBefore(deadline)) {
            Thread.sleep(250);
            seen = usageExamples(t);
        }
        return seen;
    }

    private static long usageExamples(Tenant t) throws Exception {
        var usage = api.get("/v1/usage?granularity=day", t.key);
        assertEquals(200, usage.status(), usage::toString);
        return usage.json().path("totals").path("examples").asLong();
    }

    @Test
    void concurrentJobsHoldsAndOtherTenantsAreNotHeldUp() throws Exception {
        Tenant busy = newTenant(plan(2));
        Tenant other = newTenant(plan(2));
        uploadDense(busy, "slots");
        uploadDense(other, "slots");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ids.add(submit(busy, inline("slots", i, 0, 0, 0)));
        }
        String others = submit(other, inline("slots", 1, 1, 1, 1));
        assertEquals("succeeded", awaitEnd(other, others).path("status").asText());
        List<Instant[]> intervals = new ArrayList<>();
        for (String id : ids) {
            JsonNode done = awaitEnd(busy, id);
            assertEquals("succeeded", done.path("status").asText(), done::toString);
            intervals.add(new Instant[] {
                Instant.parse(done.path("startedAt").asText()),
                Instant.parse(done.path("finishedAt").asText())
            });
        }
        // no instant has more than 2 overlapping [startedAt, finishedAt] intervals
        for (Instant[] probe : intervals) {
            long overlapping = intervals.stream()
                    .filter(i -> !i[0].isAfter(probe[0]) && !i[1].isBefore(probe[0]))
                    .count();
            assertTrue(overlapping <= 2, overlapping + " jobs ran at " + probe[0]);
        }
    }

    @Test
    void cancellingQueuedAndTerminalJobs() throws Exception {
        Tenant t = newTenant(plan(1));
        uploadDense(t, "cancel");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(submit(t, inline("cancel", i, 0, 0, 0)));
        }
        String last = ids.get(ids.size() - 1);
        var cancelled = api.postJson("/v1/jobs/" + last + "/cancel", t.key, Map.of());
        assertEquals(202, cancelled.status(), cancelled::toString);
        JsonNode job = awaitEnd(t, last);
        assertEquals("cancelled", job.path("status").asText(), job::toString);
        // a terminal job cannot be cancelled
        JsonNode first = awaitEnd(t, ids.get(0));
        assertEquals("succeeded", first.path("status").asText());
        var refused = api.postJson("/v1/jobs/" + ids.get(0) + "/cancel", t.key, Map.of());
        assertEquals(409, refused.status(), refused::toString);
        // another tenant's job is not there
        Tenant stranger = newTenant("standard");
        assertEquals(
                404,
                api.postJson("/v1/jobs/" + ids.get(1) + "/cancel", stranger.key, Map.of())
                        .status());
    }

    @Test
    void aModelThatCannotLoadEndsOnTheDeadLetterTopic() throws Exception {
        Tenant t = newTenant(plan(4));
        assertEquals(
                201, api.postJson("/v1/models", t.key, Map.of("name", "poison")).status());
        Path dir = Files.createTempDirectory("it-jobs-poison");
        try {
            DenseSavedModel.export(dir.resolve("m"), W, B);
            // the graph and signatures read fine (the upload is accepted), but the checkpoint's index is garbage:
            // TensorFlow refuses to restore the weights when it loads the model
            Files.writeString(dir.resolve("m").resolve("variables").resolve("variables.index"), "not a checkpoint");
            var uploaded = api.send(
                    "POST", "/v1/models/poison/versions", t.key, "application/zip", Archives.zip(dir.resolve("m")));
            assertEquals(201, uploaded.status(), uploaded::toString);
        } finally {
            SavedModelArchive.deleteTree(dir);
        }
        String jobId = submit(t, inline("poison", 1, 2, 3, 4));
        JsonNode job = awaitEnd(t, jobId);
        assertEquals("failed", job.path("status").asText(), job::toString);
        List<JsonNode> dead = records("aiaas.job-dead-letters.v1", jobId, 1);
        assertEquals(1, dead.size(), dead::toString);
        assertEquals(t.id, dead.get(0).path("tenantId").asText());
        assertEquals(3, dead.get(0).path("attempts").asInt(), "every attempt was used: " + dead);
    }

    @Test
    void anArtifactOutageBurnsNoAttempt() throws Exception {
        Tenant t = newTenant(plan(4));
        uploadDense(t, "outage");
        Path artifact;
        try (Stream<Path> files =
                Files.walk(platform.stateDir().resolve("artifacts").resolve(t.id))) {
            artifact = files.filter(p -> p.getFileName().toString().startsWith("model."))
                    .findFirst()
                    .orElseThrow();
        }
        Path aside = artifact.resolveSibling("aside");
        Files.move(artifact, aside);
        String jobId;
        try {
            jobId = submit(t, inline("outage", 1, 2, 3, 4));
            Thread.sleep(10_000);
        } finally {
            Files.move(aside, artifact);
        }
        JsonNode job = awaitEnd(t, jobId);
        assertEquals("succeeded", job.path("status").asText(), job::toString);
        // it ran once: no hand-back to the queue shows in its history
        var events = api.get("/v1/jobs/" + jobId + "/events", t.key);
        assertEquals(200, events.status(), events::toString);
        List<String> statuses = new ArrayList<>();
        for (String line : events.body().split("\n")) {
            if (line.startsWith("data:") && line.contains("\"status\"")) {
                statuses.add(Json.read(line.substring(5).trim(), JsonNode.class)
                        .path("status")
                        .asText());
            }
        }
        assertEquals(List.of("queued", "running", "succeeded"), statuses, events.body());
    }
}
