package io.aiaas.model.api;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.events.JobEvent;
import io.aiaas.common.events.JobRequest;
import io.aiaas.common.events.JobStatus;
import io.aiaas.common.events.JobUsage;
import io.aiaas.common.events.Topics;
import io.aiaas.common.json.Json;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.model.support.ApiTestSupport;
import io.aiaas.model.support.Archives;
import io.aiaas.model.support.DenseModels;
import io.aiaas.model.support.InternalKeysTestResource;
import io.aiaas.model.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = {@ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "kafka", value = "true")})
@QuarkusTestResource(InternalKeysTestResource.class)
class JobApiTest extends ApiTestSupport {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    DataSource dataSource;

    /** Outbox rows still waiting to be published for {@code key}. */
    private long pendingOutboxRows(String key) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT count(*) FROM outbox WHERE record_key = ?")) {
            s.setString(1, key);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void submissionQueuesTheJobAndWorkersReceiveItsRequest() {
        String tenant = newTenant();
        String modelId = setUpDense(tenant, "scorer");
        String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        String jobId = as(Tokens.tenant(tenant))
                .header("X-Request-Id", "req-job-test")
                .header("traceparent", traceparent)
                .contentType("application/json")
                .body(inference("scorer", List.of(2, 3), List.of(1, 2, 3, 4, 5, 6)))
                .post("/v1/jobs")
                .then()
                .statusCode(202)
                .body("type", equalTo("inference"))
                .body("status", equalTo("queued"))
                .body("createdAt", notNullValue())
                .extract()
                .path("id");
        as(Tokens.tenant(tenant))
                .get("/v1/jobs/" + jobId)
                .then()
                .statusCode(200)
                .body("model", equalTo("scorer"))
                .body("version", equalTo(1))
                .body("status", equalTo("queued"))
                .body("result", nullValue());

        ConsumerRecord<String, String> record = receive(Topics.JOBS, jobId);
        JobRequest request = Json.read(record.value(), JobRequest.class);
        assertEquals(tenant, request.tenantId());
        assertEquals(modelId, request.modelId());
        assertEquals(1, request.version());
        assertEquals("serving_default", request.signature());
        assertEquals(3, request.maxAttempts());
        // lean: the inputs stay in model-service, the claim hands them over
        assertNull(request.inputs());
        assertEquals(86400, request.maxRuntimeSeconds());
        assertEquals("req-job-test", header(record, Topics.HEADER_REQUEST_ID));
        // The caller's trace continues: same trace id, the span of model-service's work as parent.
        String published = header(record, Topics.HEADER_TRACEPARENT);
        assertEquals(traceparent.split("-")[1], published.split("-")[1], published);
        assertNotEquals(traceparent, published);
        await("the outbox row to be deleted", WAIT, () -> pendingOutboxRows(jobId) == 0);

        // listed; another tenant sees nothing of it
        as(Tokens.tenant(tenant))
                .get("/v1/jobs?status=queued&type=inference")
                .then()
                .statusCode(200)
                .body("items.id", hasItem(jobId));
        as(Tokens.tenant(tenant)).get("/v1/jobs?status=bogus").then().statusCode(400);
        String other = newTenant();
        as(Tokens.tenant(other)).get("/v1/jobs/" + jobId).then().statusCode(404);
        as(Tokens.tenant(other)).get("/v1/jobs").then().body("items.id", not(hasItem(jobId)));
    }

    @Test
    void idempotencyKeyReplaysTheFirstJob() {
        String tenant = newTenant();
        setUpDense(tenant, "idem");
        Map<String, Object> body = inference("idem", List.of(1, 3), List.of(1, 2, 3));
        String first = submit(tenant, body, "key-1");
        assertEquals(first, submit(tenant, body, "key-1"));
        as(Tokens.tenant(tenant))
                .header("Idempotency-Key", "key-1")
                .contentType("application/json")
                .body(inference("idem", List.of(1, 3), List.of(3, 2, 1)))
                .post("/v1/jobs")
                .then()
                .statusCode(409);
    }

    @Test
    void concurrentSubmissionsWithOneIdempotencyKeyMakeOneJob() throws Exception {
        String tenant = newTenant();
        setUpDense(tenant, "idem-race");
        Map<String, Object> body = inference("idem-race", List.of(1, 3), List.of(1, 2, 3));
        int clients = 6;
        var pool = java.util.concurrent.Executors.newFixedThreadPool(clients);
        try {
            var start = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<String>> ids = new java.util.ArrayList<>();
            for (int i = 0; i < clients; i++) {
                ids.add(pool.submit(() -> {
                    start.await();
                    return submit(tenant, body, "race-key");
                }));
            }
            start.countDown();
            java.util.Set<String> distinct = new java.util.HashSet<>();
            for (var id : ids) {
                distinct.add(id.get(60, java.util.concurrent.TimeUnit.SECONDS));
            }
            assertEquals(1, distinct.size(), "every client must get the one job: " + distinct);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void refusesJobsThatCannotRun() {
        String tenant = newTenant();
        setUpDense(tenant, "strict");
        // shape, datatype, data length
        post(tenant, inference("strict", List.of(1, 4), List.of(1, 2, 3, 4))).statusCode(422);
        post(
                        tenant,
                        Map.of(
                                "type",
                                "inference",
                                "model",
                                "strict",
                                "inputs",
                                List.of(Map.of(
                                        "name",
                                        "x",
                                        "shape",
                                        List.of(1, 3),
                                        "datatype",
                                        "FP64",
                                        "data",
                                        List.of(1, 2, 3)))))
                .statusCode(422)
                .body("type", equalTo("/problems/unprocessable"));
        post(tenant, inference("strict", List.of(1, 3), List.of(1, 2))).statusCode(422);
        // unknown signature, type; unsupported kinds
        Map<String, Object> withSignature =
                new java.util.HashMap<>(inference("strict", List.of(1, 3), List.of(1, 2, 3)));
        withSignature.put("signature", "nope");
        post(tenant, withSignature).statusCode(422);
        Map<String, Object> withSpec = new java.util.HashMap<>(inference("strict", List.of(1, 3), List.of(1, 2, 3)));
        withSpec.put("spec", Map.of("epochs", 1));
        post(tenant, withSpec).statusCode(422).body("detail", org.hamcrest.Matchers.containsString("spec"));
        post(tenant, Map.of("type", "dance", "model", "strict")).statusCode(422);
        // a training job without its spec cannot be read
        post(tenant, Map.of("type", "training", "model", "strict", "dataset", "ds_x"))
                .statusCode(400)
                .body("detail", org.hamcrest.Matchers.containsString("'spec'"));
        post(tenant, Map.of("model", "strict")).statusCode(400);
        // unknown model, version, alias; another tenant's model
        post(tenant, inference("missing", List.of(1, 3), List.of(1, 2, 3))).statusCode(404);
        Map<String, Object> v9 = new java.util.HashMap<>(inference("strict", List.of(1, 3), List.of(1, 2, 3)));
        v9.put("version", 9);
        post(tenant, v9).statusCode(404);
        Map<String, Object> alias = new java.util.HashMap<>(inference("strict", List.of(1, 3), List.of(1, 2, 3)));
        alias.put("alias", "staging");
        post(tenant, alias).statusCode(404);
        post(newTenant(), inference("strict", List.of(1, 3), List.of(1, 2, 3))).statusCode(404);
        // nothing was queued for this tenant
        as(Tokens.tenant(tenant)).get("/v1/jobs").then().body("items.size()", equalTo(0));
    }

    @Test
    void refusesNumbersOutsideTheDatatypeAndRaggedData() {
        String tenant = newTenant();
        setUpDense(tenant, "ranged");
        // 1e400 reads as infinity, 1e39 has no FP32: neither may reach a worker
        for (String data : List.of("[1,2,1e400]", "[-1e400,2,3]", "[1,2,1e39]", "[[1,2],[3]]", "[1,2,\"x\"]")) {
            as(Tokens.tenant(tenant))
                    .contentType("application/json")
                    .body("{\"type\":\"inference\",\"model\":\"ranged\",\"inputs\":[{\"name\":\"x\","
                            + "\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":" + data + "}]}")
                    .post("/v1/jobs")
                    .then()
                    .statusCode(422)
                    .contentType("application/problem+json")
                    .body("type", equalTo("/problems/unprocessable"));
        }
        as(Tokens.tenant(tenant)).get("/v1/jobs").then().body("items.size()", equalTo(0));
    }

    @Test
    void jobEventsMoveTheJobForwardOnly() throws Exception {
        String tenant = newTenant();
        setUpDense(tenant, "evented");
        String jobId = submit(tenant, inference("evented", List.of(1, 3), List.of(1, 2, 3)), null);
        // the claim (once the job is dispatched) makes it running
        await(
                "the claim of " + jobId,
                WAIT,
                () -> claim(tenant, jobId).statusCode(200).extract().<Boolean>path("proceed"));
        awaitStatus(tenant, jobId, "running");
        String startedAt = as(Tokens.tenant(tenant))
                .get("/v1/jobs/" + jobId)
                .then()
                .extract()
                .path("startedAt");
        assertNotNull(startedAt);

        Instant started = Instant.parse("2025-06-01T10:00:00.000Z");

        JsonNode result = Json.mapper()
                .readTree("{\"model_name\":\"evented\",\"outputs\":[{\"name\":\"y\",\"shape\":[1,2],"
                        + "\"datatype\":\"FP32\",\"data\":[4.5,4.5]}]}");
        Instant finished = started.plusSeconds(2);
        JobEvent succeeded =
                event(jobId, tenant, 1, JobStatus.SUCCEEDED, finished, result, new JobUsage(12, 1, 1, "cpu"));
        publishEvents(succeeded);
        awaitStatus(tenant, jobId, "succeeded");
        as(Tokens.tenant(tenant))
                .get("/v1/jobs/" + jobId)
                .then()
                .body("startedAt", equalTo(startedAt))
                .body("finishedAt", equalTo("2025-06-01T10:00:02.000Z"))
                .body("result.outputs[0].data", equalTo(List.of(4.5f, 4.5f)))
                .body("usage.computeMillis", equalTo(12))
                .body("usage.units", equalTo(1));

        // a redelivery, an older attempt's failure and a late running event change nothing
        publishEvents(
                succeeded,
                event(jobId, tenant, 0, JobStatus.FAILED, finished.plusSeconds(1), null, null),
                event(jobId, tenant, 2, JobStatus.RUNNING, finished.plusSeconds(2), null, null),
                event(jobId, tenant, 1, JobStatus.FAILED, finished.plusSeconds(3), null, null));
        // a marker job's event, published after them, shows they have all been consumed
        String marker = submit(tenant, inference("evented", List.of(1, 3), List.of(1, 2, 3)), null);
        publishEvents(event(marker, tenant, 1, JobStatus.SUCCEEDED, finished, null, null));
        awaitStatus(tenant, marker, "succeeded");
        as(Tokens.tenant(tenant))
                .get("/v1/jobs/" + jobId)
                .then()
                .body("status", equalTo("succeeded"))
                .body("finishedAt", equalTo("2025-06-01T10:00:02.000Z"))
                .body("error", nullValue());
        // claims of a finished job do not proceed
        as(Tokens.worker(tenant))
                .contentType("application/json")
                .body(Map.of("workerId", "w2"))
                .post("/internal/v1/jobs/" + jobId + "/claim")
                .then()
                .body("proceed", equalTo(false))
                .body("status", equalTo("succeeded"));
        // what the job's event stream replays: each status once, in order, numbered from 1
        assertEquals(List.of("1 status queued", "2 status running", "3 status succeeded"), eventLog(jobId));
    }

    private List<String> eventLog(String jobId) throws Exception {
        List<String> rows = new java.util.ArrayList<>();
        try (var connection = dataSource.getConnection();
                var query = connection.prepareStatement(
                        "SELECT seq, kind, data->>'status' FROM job_event WHERE job_id = ? ORDER BY seq")) {
            query.setString(1, jobId);
            try (var results = query.executeQuery()) {
                while (results.next()) {
                    rows.add(results.getInt(1) + " " + results.getString(2) + " " + results.getString(3));
                }
            }
        }
        return rows;
    }

    @Test
    void workersDownloadArtifactsOfTheirJobsTenantOnly() throws Exception {
        String tenant = newTenant();
        createModel(tenant, "fetched");
        byte[] zip = Archives.zip(Archives.entries(DenseModels.dense(), ""));
        String modelId = as(Tokens.tenant(tenant))
                .get("/v1/models/fetched")
                .then()
                .extract()
                .path("id");
        upload(tenant, "fetched", "application/zip", zip).statusCode(201);
        byte[] downloaded = as(Tokens.worker(tenant))
                .get("/internal/v1/artifacts/" + modelId + "/1")
                .then()
                .statusCode(200)
                .contentType("application/zip")
                .header("X-Artifact-Sha256", equalTo(ModelApiTest.sha256(zip)))
                .extract()
                .asByteArray();
        assertArrayEquals(zip, downloaded);
        as(Tokens.worker(newTenant()))
                .get("/internal/v1/artifacts/" + modelId + "/1")
                .then()
                .statusCode(404);
        as(Tokens.worker(tenant))
                .get("/internal/v1/artifacts/" + modelId + "/2")
                .then()
                .statusCode(404);
        as(Tokens.tenant(tenant))
                .get("/internal/v1/artifacts/" + modelId + "/1")
                .then()
                .statusCode(403);
    }

    private String setUpDense(String tenant, String name) {
        String id = createModel(tenant, name);
        upload(tenant, name, "application/zip", Archives.zip(Archives.entries(DenseModels.dense(), "")))
                .statusCode(201);
        return id;
    }

    private static Map<String, Object> inference(String model, List<Integer> shape, List<Integer> data) {
        return Map.of(
                "type",
                "inference",
                "model",
                model,
                "inputs",
                List.of(Map.of("name", "x", "shape", shape, "datatype", "FP32", "data", data)));
    }

    private static io.restassured.response.ValidatableResponse post(String tenant, Map<String, Object> body) {
        return as(Tokens.tenant(tenant))
                .contentType("application/json")
                .body(body)
                .post("/v1/jobs")
                .then()
                .contentType(org.hamcrest.Matchers.anyOf(
                        equalTo("application/json;charset=UTF-8"),
                        equalTo("application/json"),
                        equalTo("application/problem+json")));
    }

    private static String submit(String tenant, Map<String, Object> body, String idempotencyKey) {
        var spec = as(Tokens.tenant(tenant)).contentType("application/json");
        if (idempotencyKey != null) {
            spec = spec.header("Idempotency-Key", idempotencyKey);
        }
        return spec.body(body)
                .post("/v1/jobs")
                .then()
                .statusCode(202)
                .header("Location", org.hamcrest.Matchers.startsWith("/v1/jobs/job_"))
                .extract()
                .path("id");
    }

    private static io.restassured.response.ValidatableResponse claim(String tenant, String jobId) {
        return as(Tokens.worker(tenant))
                .contentType("application/json")
                .body(Map.of("workerId", "w1"))
                .post("/internal/v1/jobs/" + jobId + "/claim")
                .then();
    }

    private static void awaitStatus(String tenant, String jobId, String status) {
        await(
                "job " + jobId + " " + status,
                WAIT,
                () -> status.equals(as(Tokens.tenant(tenant))
                        .get("/v1/jobs/" + jobId)
                        .then()
                        .extract()
                        .path("status")));
    }

    private static JobEvent event(
            String jobId, String tenant, int attempt, JobStatus status, Instant at, JsonNode result, JobUsage usage) {
        return new JobEvent(
                jobId + "-" + attempt + "-" + status.wire(),
                jobId,
                tenant,
                attempt,
                status,
                null,
                result,
                status == JobStatus.FAILED ? new io.aiaas.common.events.JobError("internal", "boom") : null,
                usage,
                "worker-test",
                at);
    }

    /** As a worker does: in one Kafka transaction. */
    private static void publishEvents(JobEvent... events) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, InfraTestResource.kafkaBootstrap());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "aiaas-worker-test-" + UUID.randomUUID());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            producer.initTransactions();
            producer.beginTransaction();
            for (JobEvent e : events) {
                producer.send(new ProducerRecord<>(Topics.JOB_EVENTS, e.jobId(), Json.write(e)));
            }
            producer.commitTransaction();
        }
    }

    private static ConsumerRecord<String, String> receive(String topic, String key) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, InfraTestResource.kafkaBootstrap());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    if (key.equals(r.key())) {
                        return r;
                    }
                }
            }
        }
        throw new AssertionError("no record with key " + key + " on " + topic + " within " + WAIT);
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        var h = record.headers().lastHeader(name);
        assertNotNull(h, "header " + name);
        return new String(h.value(), StandardCharsets.UTF_8);
    }
}
