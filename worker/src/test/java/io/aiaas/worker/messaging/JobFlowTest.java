package io.aiaas.worker.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.events.JobRequest;
import io.aiaas.common.events.JobType;
import io.aiaas.common.events.Topics;
import io.aiaas.common.id.Ids;
import io.aiaas.common.json.Json;
import io.aiaas.common.oip.InferenceRequest;
import io.aiaas.common.oip.RequestInput;
import io.aiaas.infra.fixtures.DenseSavedModel;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.messaging.topic.PlatformTopics;
import io.aiaas.messaging.topic.TopicDeclarations;
import io.aiaas.worker.config.WorkerIdentity;
import io.aiaas.worker.testing.TestModels;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The worker against real Kafka and a stand-in model-service: jobs in, events and usage out, committed atomically.
 */
@QuarkusTest
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = @ResourceArg(name = InfraTestResource.KAFKA, value = "true"))
@QuarkusTestResource(FakeModelService.class)
class JobFlowTest {
    static final float[][] W = {{1f, -1f}, {2f, 0.5f}, {0f, 3f}};
    static final float[] B = {0.25f, 1f};
    static final Duration WAIT = Duration.ofSeconds(90);

    static Path modelDir;
    static KafkaProducer<String, String> jobs;
    static KafkaConsumer<String, String> events;
    static final List<ConsumerRecord<String, String>> seen = new ArrayList<>();

    @Inject
    WorkerIdentity identity;

    @BeforeAll
    static void setUp() throws Exception {
        String bootstrap = InfraTestResource.kafkaBootstrap();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            // The worker declares them at start-up too; whoever comes first creates them, the same way.
            TopicDeclarations.declare(
                    admin, List.of(PlatformTopics.JOBS, PlatformTopics.JOB_EVENTS, PlatformTopics.USAGE));
        }
        Path dir = Files.createTempDirectory("aiaas-worker-dense-");
        modelDir = dir;
        DenseSavedModel.export(dir.resolve("model"), W, B);
        byte[] zip = TestModels.zip(dir.resolve("model"));
        FakeModelService.instance.addArtifact("mdl_dense", 1, zip);
        FakeModelService.instance.addArtifact("mdl_gated", 1, zip);

        Properties producer = new Properties();
        producer.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        producer.put(ProducerConfig.ACKS_CONFIG, "all");
        producer.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        producer.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        jobs = new KafkaProducer<>(producer);

        Properties consumer = new Properties();
        consumer.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        consumer.put(ConsumerConfig.GROUP_ID_CONFIG, "worker-test-" + Ids.randomBase62(8));
        consumer.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumer.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        consumer.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        events = new KafkaConsumer<>(consumer);
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(Topics.JOB_EVENTS, Topics.USAGE)) {
            events.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        events.assign(partitions);
        events.seekToBeginning(partitions);
    }

    @AfterAll
    static void tearDown() {
        io.aiaas.common.archive.SavedModelArchive.deleteTree(modelDir);
        if (jobs != null) {
            jobs.close(Duration.ofSeconds(5));
        }
        if (events != null) {
            events.close(Duration.ofSeconds(5));
        }
    }

    @Test
    void inferenceJobSucceedsWithOneResultAndOneUsageEvent() throws Exception {
        CountDownLatch gate = FakeModelService.instance.gate("mdl_gated", 1);
        String jobId = Ids.newId(Ids.JOB);
        String tenant = Ids.newId(Ids.TENANT);
        publish(job(jobId, tenant, "mdl_gated", "[[1,2,3],[0.5,-1,2]]", List.of(2L, 3L)), "req_flow1");

        // The job runs while the artifact download is held: only `running` may be visible meanwhile.
        awaitTrue(() -> jobEvents(jobId).stream()
                .anyMatch(e -> "running".equals(e.path("status").asText())));
        assertEquals(1, FakeModelService.instance.claimsOf(jobId).size());
        pollFor(Duration.ofSeconds(2));
        assertEquals(List.of("running"), statuses(jobId));
        assertTrue(usageEvents(jobId).isEmpty(), "no usage before the result transaction commits");
        gate.countDown();

        awaitTrue(() -> statuses(jobId).contains("succeeded"));
        awaitTrue(() -> !usageEvents(jobId).isEmpty());
        pollFor(Duration.ofSeconds(2));

        assertEquals(List.of("running", "succeeded"), statuses(jobId));
        JsonNode running = jobEvents(jobId).get(0);
        assertEquals(jobId + "-1-running", running.path("eventId").asText());
        assertEquals(identity.workerId(), running.path("workerId").asText());
        assertEquals(tenant, running.path("tenantId").asText());

        JsonNode done = jobEvents(jobId).get(1);
        assertEquals(jobId + "-1-succeeded", done.path("eventId").asText());
        assertEquals(1, done.path("attempt").asInt());
        JsonNode result = done.path("result");
        assertEquals("dense", result.path("model_name").asText());
        assertTrue(result.path("model_version").isTextual());
        assertEquals("1", result.path("model_version").asText());
        JsonNode y = result.path("outputs").get(0);
        assertEquals("y", y.path("name").asText());
        assertEquals("FP32", y.path("datatype").asText());
        assertEquals("[2,2]", y.path("shape").toString());
        float[][] expected = TestModels.dense(new float[][] {{1f, 2f, 3f}, {0.5f, -1f, 2f}}, W, B);
        for (int i = 0; i < 4; i++) {
            assertEquals(expected[i / 2][i % 2], y.path("data").get(i).floatValue(), 1e-5);
        }
        JsonNode usage = done.path("usage");
        assertEquals(2, usage.path("examples").asLong());
        assertEquals("cpu", usage.path("device").asText());
        long millis = usage.path("computeMillis").asLong();
        assertTrue(millis >= 1);
        assertEquals((long) Math.ceil(millis / 1000.0), usage.path("units").asLong());

        List<ConsumerRecord<String, String>> usageRecords = usageRecords(jobId);
        assertEquals(1, usageRecords.size(), "exactly one usage event");
        ConsumerRecord<String, String> usageRecord = usageRecords.get(0);
        assertEquals(tenant, usageRecord.key());
        JsonNode cloudEvent = Json.read(usageRecord.value(), JsonNode.class);
        assertEquals("1.0", cloudEvent.path("specversion").asText());
        assertEquals("usage-" + jobId, cloudEvent.path("id").asText());
        assertEquals("/aiaas", cloudEvent.path("source").asText());
        assertEquals("io.aiaas.usage.inference-job", cloudEvent.path("type").asText());
        assertEquals(tenant, cloudEvent.path("subject").asText());
        assertEquals("application/json", cloudEvent.path("datacontenttype").asText());
        assertTrue(cloudEvent.path("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"));
        JsonNode data = cloudEvent.path("data");
        assertEquals(tenant, data.path("tenantId").asText());
        assertEquals(jobId, data.path("jobId").asText());
        assertEquals("dense", data.path("model").asText());
        assertEquals(1, data.path("version").asInt());
        assertEquals("cpu", data.path("device").asText());
        assertEquals(2, data.path("examples").asLong());
        assertEquals(millis, data.path("computeMillis").asLong());
        assertEquals(usage.path("units").asLong(), data.path("units").asLong());

        for (ConsumerRecord<String, String> record : recordsOf(jobId)) {
            assertEquals("req_flow1", header(record, Topics.HEADER_REQUEST_ID));
            // The job's trace continues: same trace id, the worker's processing span as parent.
            String traceparent = header(record, Topics.HEADER_TRACEPARENT);
            assertEquals(TRACEPARENT.split("-")[1], traceparent.split("-")[1], traceparent);
            assertNotEquals(TRACEPARENT, traceparent);
        }
        FakeModelService.Claim claim = FakeModelService.instance.claimsOf(jobId).get(0);
        assertEquals(identity.workerId(), claim.workerId());
        assertEquals(identity.workerId(), claim.token().sub());
        assertEquals(tenant, claim.token().tid());
        assertEquals(0, FakeModelService.instance.unauthorized.get());
    }

    @Test
    void inputsThatDoNotFitTheModelEndFailedWithoutUsage() throws Exception {
        String jobId = Ids.newId(Ids.JOB);
        String tenant = Ids.newId(Ids.TENANT);
        publish(job(jobId, tenant, "mdl_dense", "[1,2,3,4]", List.of(1L, 4L)), "req_flow2");

        awaitTrue(() -> statuses(jobId).contains("failed"));
        pollFor(Duration.ofSeconds(2));
        assertEquals(List.of("running", "failed"), statuses(jobId));
        JsonNode failed = jobEvents(jobId).get(1);
        assertEquals(jobId + "-1-failed", failed.path("eventId").asText());
        assertEquals("unprocessable", failed.path("error").path("type").asText());
        String detail = failed.path("error").path("detail").asText();
        assertTrue(detail.contains("shape"), detail);
        assertFalse(detail.contains("Exception") || detail.contains("\tat "), detail);
        assertTrue(failed.path("usage").isMissingNode());
        assertTrue(usageEvents(jobId).isEmpty(), "a failed job bills nothing");
    }

    @Test
    void aRefusedClaimProducesNoEvents() throws Exception {
        String jobId = Ids.newId(Ids.JOB);
        FakeModelService.instance.refused.add(jobId);
        RecordMetadata sent =
                publish(job(jobId, Ids.newId(Ids.TENANT), "mdl_dense", "[1,2,3]", List.of(1L, 3L)), "req_flow3");

        awaitTrue(() -> !FakeModelService.instance.claimsOf(jobId).isEmpty());
        TopicPartition partition = new TopicPartition(sent.topic(), sent.partition());
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, InfraTestResource.kafkaBootstrap()))) {
            awaitTrue(() -> {
                try {
                    OffsetAndMetadata committed = admin.listConsumerGroupOffsets(JobConsumer.GROUP_ID)
                            .partitionsToOffsetAndMetadata()
                            .get()
                            .get(partition);
                    return committed != null && committed.offset() > sent.offset();
                } catch (Exception e) {
                    return false;
                }
            });
        }
        pollFor(Duration.ofSeconds(2));
        assertTrue(recordsOf(jobId).isEmpty(), "no events for a job that must not run");
        assertEquals(1, FakeModelService.instance.claimsOf(jobId).size());
    }

    @Test
    void aMalformedRecordDoesNotBlockThePartition() throws Exception {
        String bad = "job_malformed_" + Ids.randomBase62(6);
        ProducerRecord<String, String> garbage = new ProducerRecord<>(Topics.JOBS, bad, "{not json");
        // Same key as the next job, so both land on one partition, the garbage first.
        jobs.send(garbage).get();
        String jobId = Ids.newId(Ids.JOB);
        jobs.send(new ProducerRecord<>(
                        Topics.JOBS,
                        bad,
                        Json.write(job(jobId, Ids.newId(Ids.TENANT), "mdl_dense", "[1,2,3]", List.of(1L, 3L)))))
                .get();
        awaitTrue(() -> statuses(jobId).contains("succeeded"));
    }

    @Test
    void healthAndMetricsAreServed() throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpResponse<String> live = http.send(
                java.net.http.HttpRequest.newBuilder(healthLive.toURI()).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, live.statusCode(), live.body());
        assertTrue(live.body().contains("job-loop"), live.body());
        awaitTrue(() -> {
            try {
                return http.send(
                                        java.net.http.HttpRequest.newBuilder(healthReady.toURI())
                                                .build(),
                                        java.net.http.HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200;
            } catch (Exception e) {
                return false;
            }
        });
        // at least one job has ended by now in this JVM only if another test ran first: run one to be sure
        String jobId = Ids.newId(Ids.JOB);
        publish(job(jobId, Ids.newId(Ids.TENANT), "mdl_dense", "[1,2,3]", List.of(1L, 3L)), "req_flow5");
        awaitTrue(() -> statuses(jobId).contains("succeeded"));
        String metrics = http.send(
                        java.net.http.HttpRequest.newBuilder(metricsUrl.toURI()).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
        assertTrue(metrics.contains("aiaas_worker_jobs_processed_total"), metrics);
        assertTrue(metrics.contains("aiaas_worker_inference_seconds"), metrics);
        assertTrue(metrics.contains("aiaas_worker_models_loaded"), metrics);
    }

    @io.quarkus.test.common.http.TestHTTPResource("/q/health/live")
    java.net.URL healthLive;

    @io.quarkus.test.common.http.TestHTTPResource("/q/health/ready")
    java.net.URL healthReady;

    @io.quarkus.test.common.http.TestHTTPResource("/q/metrics")
    java.net.URL metricsUrl;

    static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    static JobRequest job(String jobId, String tenant, String modelId, String data, List<Long> shape) {
        RequestInput x = new RequestInput("x", shape, "FP32", null, Json.read(data, JsonNode.class));
        return new JobRequest(
                jobId,
                tenant,
                JobType.INFERENCE,
                "dense",
                modelId,
                1,
                null,
                new InferenceRequest("oip-" + jobId, null, List.of(x), null),
                null,
                null,
                3,
                "req_" + jobId,
                Instant.now());
    }

    static RecordMetadata publish(JobRequest job, String requestId) throws Exception {
        ProducerRecord<String, String> record = new ProducerRecord<>(Topics.JOBS, job.jobId(), Json.write(job));
        record.headers().add(Topics.HEADER_REQUEST_ID, requestId.getBytes(StandardCharsets.UTF_8));
        record.headers().add(Topics.HEADER_TRACEPARENT, TRACEPARENT.getBytes(StandardCharsets.UTF_8));
        return jobs.send(record).get();
    }

    static synchronized void pollOnce() {
        for (ConsumerRecord<String, String> record : events.poll(Duration.ofMillis(200))) {
            seen.add(record);
        }
    }

    static void pollFor(Duration duration) {
        long until = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < until) {
            pollOnce();
        }
    }

    static void awaitTrue(BooleanSupplier condition) {
        long until = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < until) {
            pollOnce();
            if (condition.getAsBoolean()) {
                return;
            }
        }
        throw new AssertionError("condition not met within " + WAIT);
    }

    static synchronized List<ConsumerRecord<String, String>> recordsOf(String jobId) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        for (ConsumerRecord<String, String> record : seen) {
            JsonNode value = Json.read(record.value(), JsonNode.class);
            String id = record.topic().equals(Topics.USAGE)
                    ? value.path("data").path("jobId").asText()
                    : value.path("jobId").asText();
            if (jobId.equals(id)) {
                out.add(record);
            }
        }
        return out;
    }

    static List<JsonNode> jobEvents(String jobId) {
        return recordsOf(jobId).stream()
                .filter(r -> r.topic().equals(Topics.JOB_EVENTS))
                .map(r -> Json.read(r.value(), JsonNode.class))
                .toList();
    }

    static List<String> statuses(String jobId) {
        return jobEvents(jobId).stream().map(e -> e.path("status").asText()).toList();
    }

    static List<ConsumerRecord<String, String>> usageRecords(String jobId) {
        return recordsOf(jobId).stream()
                .filter(r -> r.topic().equals(Topics.USAGE))
                .toList();
    }

    static List<JsonNode> usageEvents(String jobId) {
        return usageRecords(jobId).stream()
                .map(r -> Json.read(r.value(), JsonNode.class))
                .toList();
    }

    static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        assertNotNull(header, name + " header");
        return new String(header.value(), StandardCharsets.UTF_8);
    }
}
