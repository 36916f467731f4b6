package io.aiaas.worker.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.events.Topics;
import io.aiaas.common.id.Ids;
import io.aiaas.common.oip.Datatype;
import io.aiaas.common.oip.InputTensor;
import io.aiaas.common.predict.PredictReply;
import io.aiaas.common.predict.PredictRequest;
import io.aiaas.common.predict.PredictWire;
import io.aiaas.infra.fixtures.DenseSavedModel;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.worker.testing.TestModels;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Closed-loop load on one worker, for tuning the batching settings: 64 clients each send a single-row request for the
 * 784-64-64-10 MLP, wait for its reply and send the next, for 10 s after a 2 s warm-up. Prints predictions per
 * second, the round trip's p50 and p99, and requests per run. Off by default; run it with
 * {@code -Dtest=PredictThroughputTest -Daiaas.bench.predict=true}, adding e.g.
 * {@code -Daiaas.worker.predict.max-delay=1ms} or {@code -Daiaas.worker.predict.max-batch-requests=1} to compare.
 */
@EnabledIfSystemProperty(named = "aiaas.bench.predict", matches = "true")
@QuarkusTest
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = @ResourceArg(name = InfraTestResource.KAFKA, value = "true"))
@QuarkusTestResource(FakeModelService.class)
class PredictThroughputTest {
    private static final int CLIENTS = Integer.getInteger("aiaas.bench.predict.clients", 64);
    private static final int REPLY_PARTITION = 7;

    @Inject
    PredictIntake intake;

    @Inject
    MeterRegistry registry;

    @Test
    void closedLoop() throws Exception {
        JobTopics.setUp();
        PredictTopics.setUp();
        Random random = new Random(3);
        int[] widths = {784, 64, 64, 10};
        List<float[][]> weights = new ArrayList<>();
        List<float[]> biases = new ArrayList<>();
        for (int l = 0; l + 1 < widths.length; l++) {
            float[][] w = new float[widths[l]][widths[l + 1]];
            for (float[] row : w) {
                for (int i = 0; i < row.length; i++) {
                    row[i] = (float) (random.nextGaussian() * 0.05);
                }
            }
            weights.add(w);
            biases.add(new float[widths[l + 1]]);
        }
        Path dir = Files.createTempDirectory("aiaas-bench-mlp-");
        DenseSavedModel.exportLayers(dir.resolve("m"), weights, biases, true);
        FakeModelService.instance.addArtifact("mdl_bench", 1, TestModels.zip(dir.resolve("m")));
        io.aiaas.common.archive.SavedModelArchive.deleteTree(dir);

        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (intake.partitions().size() < 12 && System.nanoTime() < until) {
            Thread.sleep(50);
        }

        String bootstrap = InfraTestResource.kafkaBootstrap();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        float[] row = new float[784];
        for (int i = 0; i < row.length; i++) {
            row[i] = random.nextFloat();
        }
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p);
                KafkaConsumer<String, byte[]> replies = new KafkaConsumer<>(c)) {
            TopicPartition mine = new TopicPartition(Topics.PREDICT_REPLIES, REPLY_PARTITION);
            replies.assign(List.of(mine));
            replies.seekToEnd(List.of(mine));
            replies.position(mine);

            Map<String, Long> sentAt = new HashMap<>();
            List<Long> latencies = new ArrayList<>();
            long warmEnd = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            long end = warmEnd + Duration.ofSeconds(10).toNanos();
            for (int i = 0; i < CLIENTS; i++) {
                send(producer, row, sentAt);
            }
            long answered = 0;
            double runsAtStart = 0;
            boolean measuring = false;
            while (true) {
                long now = System.nanoTime();
                if (!measuring && now >= warmEnd) {
                    measuring = true;
                    runsAtStart = runs();
                }
                if (now >= end) {
                    break;
                }
                for (ConsumerRecord<String, byte[]> record : replies.poll(Duration.ofMillis(5))) {
                    Long sent = sentAt.remove(record.key());
                    if (sent == null) {
                        continue;
                    }
                    PredictReply reply = PredictWire.decodeReply(record.value());
                    assertEquals(PredictReply.OK, reply.status(), reply.detail());
                    long t = System.nanoTime();
                    if (measuring && t < end) {
                        latencies.add(t - sent);
                        answered++;
                    }
                    send(producer, row, sentAt);
                }
            }
            double runs = runs() - runsAtStart;
            long[] sorted =
                    latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            assertTrue(sorted.length > 0);
            System.out.printf(
                    "PREDICT BENCH clients=%d max-delay=%s max-batch-requests=%s: %.0f predictions/s, p50 %.2f ms,"
                            + " p99 %.2f ms, %.1f requests per run%n",
                    CLIENTS,
                    System.getProperty("aiaas.worker.predict.max-delay", "0ms"),
                    System.getProperty("aiaas.worker.predict.max-batch-requests", "64"),
                    answered / 10.0,
                    sorted[sorted.length / 2] / 1e6,
                    sorted[(int) (sorted.length * 0.99)] / 1e6,
                    runs == 0 ? 0 : answered / runs);
        }
    }

    private double runs() {
        return registry.get("aiaas.worker.predict.runs").counter().count();
    }

    private static void send(KafkaProducer<String, byte[]> producer, float[] row, Map<String, Long> sentAt) {
        PredictRequest request = new PredictRequest(
                "req_" + Ids.randomBase62(12),
                "tnt_bench",
                "mdl_bench",
                1,
                "serving_default",
                Instant.now().plusSeconds(10).toEpochMilli(),
                REPLY_PARTITION,
                List.of(new InputTensor("x", Datatype.FP32, new long[] {1, 784}, row)),
                List.of());
        sentAt.put(request.requestId(), System.nanoTime());
        producer.send(
                new ProducerRecord<>(Topics.PREDICT_REQUESTS, request.partitionKey(), PredictWire.encode(request)));
    }
}
