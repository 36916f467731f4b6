package io.aiaas.model.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.aiaas.common.events.ClaimAnswer;
import io.aiaas.common.events.JobError;
import io.aiaas.common.events.JobEvent;
import io.aiaas.common.events.JobProgress;
import io.aiaas.common.events.JobStatus;
import io.aiaas.common.events.JobUsage;
import io.aiaas.common.events.Topics;
import io.aiaas.common.json.Json;
import io.aiaas.common.plan.PlanLimits;
import io.aiaas.infra.testing.InfraTestResource;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Steps of the job-engine tests: submit inline jobs, act as a worker (claim, heartbeat, release, publish events) and
 * look at what users and workers would see (job status, slots, records on Kafka).
 */
public abstract class JobEngineTestSupport extends ApiTestSupport {
    protected static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    protected DataSource dataSource;

    /** A plan with {@code concurrentJobs} and generous other limits. */
    protected static PlanLimits planWith(int concurrentJobs) {
        PlanLimits p = Tokens.TEST_PLAN;
        return new PlanLimits(
                p.name(),
                p.version(),
                p.requestsPerSecond(),
                p.burst(),
                concurrentJobs,
                p.monthlyComputeUnits(),
                p.maxRequestBytes(),
                p.maxModelBytes(),
                p.storageBytes(),
                p.maxBatchRows());
    }

    protected static String tenantToken(String tenant, PlanLimits plan) {
        return Tokens.tenant(tenant, io.aiaas.common.auth.Scopes.ALL, plan);
    }

    /** A tenant with a dense model {@code name} (input x: FP32 [-1, 3]). */
    protected static void setUpDense(String tenant, String name) {
        createModel(tenant, name);
        upload(tenant, name, "application/zip", Archives.zip(Archives.entries(DenseModels.dense(), "")))
                .statusCode(201);
    }

    protected static Map<String, Object> inference(String model) {
        Map<String, Object> body = new HashMap<>();
        body.put("type", "inference");
        body.put("model", model);
        body.put(
                "inputs",
                List.of(Map.of("name", "x", "shape", List.of(1, 3), "datatype", "FP32", "data", List.of(1, 2, 3))));
        return body;
    }

    private static final String TRAINING_SPEC =
            "{\"layers\":[{\"type\":\"dense\",\"units\":3,\"activation\":\"softmax\"}],"
                    + "\"loss\":\"sparse_categorical_crossentropy\",\"epochs\":3}";

    /** Submits a training job of a small network over a fresh 3-row dataset, into the tenant's model {@code model}. */
    protected static String trainingJob(String tenant, String model) {
        String dataset = as(Tokens.tenant(tenant))
                .contentType("text/csv")
                .body("a,b,c,label\n1,2,3,0\n4,5,6,1\n7,8,9,2\n".getBytes(StandardCharsets.UTF_8))
                .post("/v1/datasets?name=train&label=label")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        return as(tenantToken(tenant, planWith(2)))
                .contentType("application/json")
                .body("{\"type\":\"training\",\"dataset\":\"" + dataset + "\",\"model\":\"" + model + "\",\"spec\":"
                        + TRAINING_SPEC + "}")
                .post("/v1/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
    }

    /** As the worker holding a training job's lease registers the SavedModel it made (the dense test model). */
    protected static ValidatableResponse postTrainedVersion(String tenant, String job, String workerId, int attempt) {
        return as(Tokens.worker(tenant))
                .contentType("application/zip")
                .body(Archives.zip(Archives.entries(DenseModels.dense(), "")))
                .post("/internal/v1/jobs/" + job + "/version?workerId=" + workerId + "&attempt=" + attempt)
                .then();
    }

    protected static String submit(String tenant, PlanLimits plan, String model) {
        return as(tenantToken(tenant, plan))
                .contentType("application/json")
                .body(inference(model))
                .post("/v1/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
    }

    protected static String status(String tenant, String jobId) {
        return as(Tokens.tenant(tenant))
                .get("/v1/jobs/" + jobId)
                .then()
                .extract()
                .path("status");
    }

    protected static void awaitStatus(String tenant, String jobId, String status) {
        await("job " + jobId + " " + status, WAIT, () -> status.equals(status(tenant, jobId)));
    }

    protected static ClaimAnswer claim(String tenant, String jobId, String workerId) {
        String body = as(Tokens.worker(tenant))
                .contentType("application/json")
                .body(Map.of("workerId", workerId))
                .post("/internal/v1/jobs/" + jobId + "/claim")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        return Json.read(body, ClaimAnswer.class);
    }

    /** Claims the job as soon as it is dispatched. */
    protected static ClaimAnswer awaitClaim(String tenant, String jobId, String workerId) {
        ClaimAnswer[] answer = new ClaimAnswer[1];
        await("a claim of " + jobId + " that proceeds", WAIT, () -> {
            answer[0] = claim(tenant, jobId, workerId);
            return answer[0].proceed();
        });
        return answer[0];
    }

    protected static void release(
            String tenant, String jobId, String workerId, int attempt, String reason, JobError error) {
        Map<String, Object> body = new HashMap<>();
        body.put("workerId", workerId);
        body.put("attempt", attempt);
        body.put("reason", reason);
        if (error != null) {
            body.put("error", Map.of("type", error.type(), "detail", error.detail()));
        }
        as(Tokens.worker(tenant))
                .contentType("application/json")
                .body(body)
                .post("/internal/v1/jobs/" + jobId + "/release")
                .then()
                .statusCode(204);
    }

    /** A heartbeat of {@code workerId} running {@code jobs} (job id → attempt); the answer as JSON. */
    protected static io.restassured.path.json.JsonPath heartbeat(
            String workerId, String incarnation, Map<String, Integer> jobs) {
        List<Map<String, Object>> running = new ArrayList<>();
        jobs.forEach((id, attempt) -> running.add(Map.of("jobId", id, "attempt", attempt)));
        return as(Tokens.worker(null))
                .contentType("application/json")
                .body(Map.of(
                        "incarnation",
                        incarnation,
                        "device",
                        "cpu",
                        "deviceName",
                        "test cpu",
                        "status",
                        "active",
                        "runningJobs",
                        running,
                        "loadedModels",
                        List.of("mdl_test/1")))
                .put("/internal/v1/workers/" + workerId)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    protected static JobEvent terminal(String tenant, String jobId, int attempt, int seq, JobStatus status) {
        return new JobEvent(
                jobId + "-" + attempt + "-" + seq,
                jobId,
                tenant,
                attempt,
                status,
                null,
                null,
                status == JobStatus.FAILED ? new JobError("internal", "boom") : null,
                new JobUsage(5, 1, 1, "cpu"),
                "worker-test",
                Instant.now());
    }

    protected static JobEvent progress(String tenant, String jobId, int attempt, int seq, long step) {
        return new JobEvent(
                jobId + "-" + attempt + "-" + seq,
                jobId,
                tenant,
                attempt,
                JobStatus.RUNNING,
                new JobProgress(null, null, step, 10L, null, null, null, null),
                null,
                null,
                null,
                "worker-test",
                Instant.now());
    }

    private static KafkaProducer<String, String> producer;

    /** One producer for the whole run: creating one per publication would cost seconds each. */
    private static synchronized KafkaProducer<String, String> producer() {
        if (producer == null) {
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, InfraTestResource.kafkaBootstrap());
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            producer = new KafkaProducer<>(props);
        }
        return producer;
    }

    /** Publishes the events in order and waits until Kafka has them. */
    protected static void publishEvents(JobEvent... events) {
        for (JobEvent e : events) {
            publish(Topics.JOB_EVENTS, e.jobId(), Json.write(e));
        }
    }

    protected static void publish(String topic, String key, String value) {
        try {
            producer().send(new ProducerRecord<>(topic, key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every record with {@code key} on {@code topic} until {@code enough} holds (or the wait ends). */
    protected static List<String> records(String topic, String key, Predicate<List<String>> enough) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, InfraTestResource.kafkaBootstrap());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<String> found = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline && !enough.test(found)) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(r.key())) {
                        found.add(r.value());
                    }
                }
            }
        }
        return found;
    }

    /** A number from the database (count, column). */
    protected long queryLong(String sql, Object... args) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A text from the database, or null when no row. */
    protected String queryString(String sql, Object... args) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The tenant's oldest dispatched job not yet claimed. */
    protected String oldestDispatched(String tenant) {
        return queryString(
                "SELECT id FROM job WHERE tenant_id = ? AND status = 'queued' AND dispatched_at IS NOT NULL"
                        + " ORDER BY created_at, id LIMIT 1",
                tenant);
    }

    protected void execute(String sql, Object... args) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The tenant's jobs that hold a slot now (dispatched, not finished). */
    protected long holdingSlots(String tenant) {
        return queryLong(
                "SELECT count(*) FROM job WHERE tenant_id = ? AND dispatched_at IS NOT NULL"
                        + " AND status NOT IN ('succeeded', 'failed', 'cancelled')",
                tenant);
    }

    protected long inUse(String tenant) {
        return queryLong("SELECT in_use FROM tenant_slot WHERE tenant_id = ?", tenant);
    }

    /** Slots held equal the ledger, and never more than the limit. */
    protected void assertSlots(String tenant, int limit) {
        long held = holdingSlots(tenant);
        assertEquals(held, inUse(tenant), "tenant_slot.in_use counts the jobs that hold a slot");
        if (held > limit) {
            throw new AssertionError(held + " jobs hold slots of a tenant limited to " + limit);
        }
    }
}
