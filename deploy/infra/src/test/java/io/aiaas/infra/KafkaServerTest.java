package io.aiaas.infra;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaServerTest {

    @Test
    void producesConsumesTransactsAndKeepsRecordsAcrossRestart(@TempDir Path dataDir) throws Exception {
        try (KafkaServer kafka = KafkaServer.start(dataDir, 0, 384)) {
            String bootstrap = kafka.bootstrapServers();
            assertAutoCreationRefused(bootstrap);
            createTopics(bootstrap, "plain", "tx");
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig(bootstrap, Map.of()))) {
                producer.send(new ProducerRecord<>("plain", "k", "hello")).get();
            }
            assertEquals(List.of("hello"), values(readAll(bootstrap, "plain", "read_uncommitted", 1)));

            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig(
                    bootstrap, Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "test-tx-" + UUID.randomUUID())))) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("tx", "k", "aborted"));
                producer.flush();
                producer.abortTransaction();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("tx", "k", "committed"));
                producer.commitTransaction();
            }
            assertEquals(List.of("committed"), values(readAll(bootstrap, "tx", "read_committed", 1)));
            assertTrue(Files.size(dataDir.resolve("kafka.log")) > 0, "the broker logs to a file in its data dir");
        }

        // A clean restart keeps the record; then the broker dies as in a crash (SIGKILL).
        KafkaServer restarted = KafkaServer.start(dataDir, 0, 384);
        assertEquals(List.of("hello"), values(readAll(restarted.bootstrapServers(), "plain", "read_uncommitted", 1)));
        Process broker = restarted.process();
        broker.destroyForcibly();
        assertTrue(broker.waitFor(30, TimeUnit.SECONDS));

        try (KafkaServer kafka = KafkaServer.start(dataDir, 0, 384)) {
            assertEquals(List.of("hello"), values(readAll(kafka.bootstrapServers(), "plain", "read_uncommitted", 1)));
            // The broker also ends when the JVM that started it is gone: its stdin pipe closes.
            kafka.process().getOutputStream().close();
            assertTrue(kafka.process().waitFor(60, TimeUnit.SECONDS), "the broker outlived its parent");
        } finally {
            restarted.close();
        }
        assertFalse(Files.exists(dataDir.resolve("kafka.pid")), "the broker process is gone after close");
    }

    /** The broker creates no topic on its own: a send to an undeclared one fails. */
    private static void assertAutoCreationRefused(String bootstrap) {
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(producerConfig(bootstrap, Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2000)))) {
            ExecutionException refused = assertThrows(
                    ExecutionException.class, () -> producer.send(new ProducerRecord<>("undeclared", "k", "v"))
                            .get());
            assertInstanceOf(TimeoutException.class, refused.getCause());
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            assertFalse(
                    assertDoesNotThrow(() -> admin.listTopics().names().get()).contains("undeclared"));
        }
    }

    private static void createTopics(String bootstrap, String... names) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            List<NewTopic> topics = new ArrayList<>();
            for (String name : names) {
                topics.add(new NewTopic(name, 1, (short) 1));
            }
            admin.createTopics(topics).all().get();
        }
    }

    private static Map<String, Object> producerConfig(String bootstrap, Map<String, Object> extra) {
        Map<String, Object> config = new java.util.HashMap<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class));
        config.putAll(extra);
        return config;
    }

    private static List<ConsumerRecord<String, String>> readAll(
            String bootstrap, String topic, String isolation, int expected) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG,
                "test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                isolation,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class);
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
                if (records.size() >= expected) {
                    // one more poll: nothing else (e.g. an aborted record) may follow
                    consumer.poll(Duration.ofMillis(500)).forEach(records::add);
                    break;
                }
            }
        }
        return records;
    }

    private static List<String> values(List<ConsumerRecord<String, String>> records) {
        return records.stream().map(ConsumerRecord::value).toList();
    }
}
