package io.aiaas.worker.messaging;

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
import io.aiaas.worker.testing.TestModels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
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

/**
 * The Kafka side of the worker's tests: dispatch records in (lean, as model-service writes them; the whole job is
 * registered at the stand-in model-service, whose claim answers it), job events and usage read back.
 */
final class JobTopics {
    static final float[][] W = {{1f, -1f}, {2f, 0.5f}, {0f, 3f}};
    static final float[] B = {0.25f, 1f};
    static final Duration WAIT = Duration.ofSeconds(60);
    static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private static KafkaProducer<String, String> producer;
    private static KafkaConsumer<String, String> events;
    private static final List<ConsumerRecord<String, String>> seen = new ArrayList<>();

    private JobTopics() {}

    /** Once per JVM: topics declared, the dense model served under several ids, the clients open. */
    static synchronized void setUp() throws Exception {
        if (producer != null) {
            return;
        }
        String bootstrap = InfraTestResource.kafkaBootstrap();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            TopicDeclarations.declare(
                    admin,
                    List.of(
                            PlatformTopics.JOBS,
                            PlatformTopics.JOB_EVENTS,
                            PlatformTopics.USAGE,
                            PlatformTopics.JOB_CONTROL));
        }
        Path dir = Files.createTempDirectory("aiaas-worker-dense-");
        try {
            DenseSavedModel.export(dir.resolve("model"), W, B);
            byte[] zip = TestModels.zip(dir.resolve("model"));
            for (String modelId :
                    List.of("mdl_dense", "mdl_gated", "mdl_slow", "mdl_outage", "mdl_down", "mdl_cancel", "mdl_hold")) {
                FakeModelService.instance.addArtifact(modelId, 1, zip);
            }
            // An archive TensorFlow cannot load: a poison job.
            Path poison = Files.createDirectories(dir.resolve("poison"));
            Files.write(poison.resolve("saved_model.pb"), "not a graph".getBytes(StandardCharsets.UTF_8));
            FakeModelService.instance.addArtifact("mdl_poison", 1, TestModels.zip(poison));
        } finally {
            io.aiaas.common.archive.SavedModelArchive.deleteTree(dir);
        }

        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        producer = new KafkaProducer<>(p);

        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "worker-test-" + Ids.randomBase62(8));
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        events = new KafkaConsumer<>(c);
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(Topics.JOB_EVENTS, Topics.USAGE)) {
            events.partitionsFor(topic).forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
        }
        events.assign(partitions);
        events.seekToBeginning(partitions);
    }

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

    /** A one-row job for {@code modelId}. */
    static JobRequest job(String modelId) {
        return job(Ids.newId(Ids.JOB), Ids.newId(Ids.TENANT), modelId, "[1,2,3]", List.of(1L, 3L));
    }

    /** Registers the whole job at the stand-in and dispatches it without its inputs. */
    static RecordMetadata dispatch(JobRequest job, String requestId) throws Exception {
        return dispatch(job, requestId, null);
    }

    static RecordMetadata dispatch(JobRequest job, String requestId, Integer partition) throws Exception {
        FakeModelService.instance.register(job);
        JobRequest lean = new JobRequest(
                job.jobId(),
                job.tenantId(),
                job.type(),
                job.model(),
                job.modelId(),
                job.version(),
                job.signature(),
                null,
                job.datasetId(),
                null,
                job.maxAttempts(),
                job.requestId(),
                job.createdAt());
        ProducerRecord<String, String> record =
                new ProducerRecord<>(Topics.JOBS, partition, job.jobId(), Json.write(lean));
        record.headers().add(Topics.HEADER_REQUEST_ID, requestId.getBytes(StandardCharsets.UTF_8));
        record.headers().add(Topics.HEADER_TRACEPARENT, TRACEPARENT.getBytes(StandardCharsets.UTF_8));
        return producer.send(record).get();
    }

    static RecordMetadata send(ProducerRecord<String, String> record) throws Exception {
        return producer.send(record).get();
    }

    static synchronized void pollOnce() {
        for (ConsumerRecord<String, String> record : events.poll(Duration.ofMillis(100))) {
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
        awaitTrue(WAIT, condition);
    }

    static void awaitTrue(Duration wait, BooleanSupplier condition) {
        long until = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < until) {
            pollOnce();
            if (condition.getAsBoolean()) {
                return;
            }
        }
        throw new AssertionError("condition not met within " + wait);
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

    /** The group's committed offset of {@code partition}, or -1. */
    static long committed(Admin admin, TopicPartition partition) {
        try {
            OffsetAndMetadata committed = admin.listConsumerGroupOffsets(JobIntake.GROUP_ID)
                    .partitionsToOffsetAndMetadata()
                    .get()
                    .get(partition);
            return committed == null ? -1 : committed.offset();
        } catch (Exception e) {
            return -1;
        }
    }

    static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, InfraTestResource.kafkaBootstrap()));
    }

    static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
