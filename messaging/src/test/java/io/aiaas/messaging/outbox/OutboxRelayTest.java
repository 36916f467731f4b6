package io.aiaas.messaging.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.aiaas.infra.KafkaServer;
import io.aiaas.messaging.Backoff;
import io.aiaas.messaging.KafkaSettings;
import io.aiaas.messaging.support.TestInfra;
import io.aiaas.messaging.support.Transactions;
import io.aiaas.messaging.trace.KafkaTracing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The outbox writer and relay against real PostgreSQL and Kafka. */
class OutboxRelayTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void twoRelaysOnOneTablePublishEveryRowInOrderPerKeyAndDeleteInBatches() throws Exception {
        KafkaSettings settings = TestInfra.settings();
        String topic = TestInfra.unique("ordered");
        TestInfra.declare(settings.bootstrapServers(), topic, 3);
        Transactions db = new Transactions(TestInfra.dataSource());
        String table = createTable(db);
        OutboxWriter writer = new OutboxWriter(db, table, KafkaTracing.noop());

        // A rolled-back transaction leaves nothing to publish.
        assertThrows(
                IllegalStateException.class,
                () -> db.inTransaction(() -> {
                    writer.write(topic, "key-rolled-back", "never", Map.of());
                    throw new IllegalStateException("the change fails");
                }));
        // Outside a transaction the writer refuses: the change it announces could still roll back.
        assertThrows(IllegalStateException.class, () -> writer.write(topic, "k", "v", Map.of()));

        try (OutboxRelay first = relay("first", db, table, settings, 20);
                OutboxRelay second = relay("second", db, table, settings, 20)) {
            first.start();
            second.start();
            // 5 keys × 60 records, written in 30 transactions while the relays run
            for (int tx = 0; tx < 30; tx++) {
                int base = tx * 10;
                db.inTransaction(() -> {
                    for (int i = base; i < base + 10; i++) {
                        writer.write(
                                topic, "key-" + (i % 5), Integer.toString(i / 5), Map.of("x-request-id", "req-" + i));
                    }
                });
                first.trigger();
                second.trigger();
            }
            awaitTrue(() -> rows(db, table) == 0);
            assertTrue(first.state().leader() ^ second.state().leader(), "exactly one relay publishes");
            assertEquals(300, first.state().published() + second.state().published());
        }

        List<ConsumerRecord<String, String>> records = readAll(settings, topic, 300);
        Map<String, List<Integer>> perKey = new HashMap<>();
        for (ConsumerRecord<String, String> record : records) {
            perKey.computeIfAbsent(record.key(), k -> new ArrayList<>()).add(Integer.parseInt(record.value()));
            assertNotNull(record.headers().lastHeader("x-request-id"));
        }
        assertFalse(perKey.containsKey("key-rolled-back"), "a rolled-back write is never published");
        assertEquals(5, perKey.size());
        for (Map.Entry<String, List<Integer>> key : perKey.entrySet()) {
            assertEquals(firstSixty(), firstOccurrences(key.getValue()), "order of " + key.getKey());
        }
        assertTrue(db.deletes() <= 300 / 20 + 30, "deletes are batched: " + db.deletes() + " DELETEs for 300 rows");
    }

    @Test
    void theLeadersDeathHandsPublishingToTheStandby() throws Exception {
        KafkaSettings settings = TestInfra.settings();
        String topic = TestInfra.unique("handover");
        TestInfra.declare(settings.bootstrapServers(), topic, 1);
        Transactions db = new Transactions(TestInfra.dataSource());
        String table = createTable(db);
        OutboxWriter writer = new OutboxWriter(db, table, KafkaTracing.noop());

        OutboxRelay leader = relay("leader", db, table, settings, 10);
        try (OutboxRelay standby = relay("standby", db, table, settings, 10)) {
            leader.start();
            awaitTrue(() -> leader.state().leader());
            standby.start();
            writeNumbered(db, writer, topic, 0, 20);
            leader.trigger();
            awaitTrue(() -> rows(db, table) == 0);
            assertFalse(standby.state().leader());

            // The leader's process dies: its database session ends, and its lock with it.
            killLockHolder(db, table);
            Instant died = Instant.now();
            leader.close();
            writeNumbered(db, writer, topic, 20, 40);
            awaitTrue(() -> standby.state().leader());
            assertTrue(
                    Duration.between(died, Instant.now()).compareTo(Duration.ofSeconds(5)) < 0,
                    "the standby takes over within seconds");
            awaitTrue(() -> rows(db, table) == 0);
        }
        List<Integer> values = readAll(settings, topic, 40).stream()
                .map(r -> Integer.parseInt(r.value()))
                .toList();
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            expected.add(i);
        }
        assertEquals(expected, firstOccurrences(values), "every row, in order");
    }

    @Test
    void whileKafkaIsDownRowsWaitWithoutAnOpenTransactionThenFlow(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path kafkaDir = Files.createDirectories(dir.resolve("kafka"));
        KafkaServer kafka = KafkaServer.start(kafkaDir, port, 384);
        try {
            KafkaSettings settings = new KafkaSettings(kafka.bootstrapServers());
            String topic = TestInfra.unique("outage");
            TestInfra.declare(settings.bootstrapServers(), topic, 1);
            Transactions db = new Transactions(TestInfra.dataSource());
            String table = createTable(db);
            OutboxWriter writer = new OutboxWriter(db, table, KafkaTracing.noop());
            try (OutboxRelay relay = OutboxRelay.builder("outage", db, table, settings)
                    .interval(Duration.ofMillis(200))
                    .sendTimeout(Duration.ofSeconds(3))
                    .backoff(new Backoff(Duration.ofMillis(200), Duration.ofSeconds(1)))
                    .build()) {
                relay.start();
                writeNumbered(db, writer, topic, 0, 1);
                awaitTrue(() -> rows(db, table) == 0);

                kafka.close();
                writeNumbered(db, writer, topic, 1, 11);
                relay.trigger();
                // For a while (several failed passes), nothing is published and no connection idles in a transaction.
                long until = System.nanoTime() + Duration.ofSeconds(8).toNanos();
                while (System.nanoTime() < until) {
                    assertEquals(List.of(), idleInTransaction(db), "connections idle in transaction");
                    Thread.sleep(100);
                }
                assertEquals(10, rows(db, table), "the rows wait");
                assertTrue(relay.state().consecutiveFailures() > 0);
                assertTrue(
                        relay.state().lastFailure().startsWith("kafka"),
                        relay.state().lastFailure());
                assertTrue(relay.state().leader(), "Kafka being down costs no leadership");

                kafka = KafkaServer.start(kafkaDir, port, 384);
                awaitTrue(() -> rows(db, table) == 0);
                awaitTrue(() -> relay.state().consecutiveFailures() == 0);
            }
            List<Integer> values = readAll(settings, topic, 11).stream()
                    .map(r -> Integer.parseInt(r.value()))
                    .toList();
            assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10), firstOccurrences(values));
        } finally {
            kafka.close();
        }
    }

    @Test
    void heartbeatsReachEveryPartitionAfterEverythingCommittedBeforeTheirWatermark() throws Exception {
        KafkaSettings settings = TestInfra.settings();
        String topic = TestInfra.unique("heartbeats");
        TestInfra.declare(settings.bootstrapServers(), topic, 3);
        Transactions db = new Transactions(TestInfra.dataSource());
        String table = createTable(db);
        OutboxWriter writer = new OutboxWriter(db, table, KafkaTracing.noop());
        Map<String, Instant> committedAt = new LinkedHashMap<>();
        try (OutboxRelay relay = OutboxRelay.builder("heartbeats", db, table, settings)
                .interval(Duration.ofMillis(500))
                .heartbeat(new OutboxRelay.Heartbeat(topic, Duration.ofMillis(100), at -> "heartbeat " + at))
                .build()) {
            relay.start();
            for (int i = 0; i < 30; i++) {
                String value = "event " + i;
                db.inTransaction(() -> writer.write(topic, "tenant-" + (value.hashCode() % 7), value, Map.of()));
                committedAt.put(value, Instant.now());
                Thread.sleep(20);
            }
            awaitTrue(() -> rows(db, table) == 0);
            Thread.sleep(500);
        }
        List<ConsumerRecord<String, String>> records = readAll(settings, topic, 30 + 3);
        Map<Integer, Integer> heartbeatsPerPartition = new HashMap<>();
        Map<Integer, Instant> latestWatermark = new HashMap<>();
        for (ConsumerRecord<String, String> record : records) {
            if (record.value().startsWith("heartbeat ")) {
                heartbeatsPerPartition.merge(record.partition(), 1, Integer::sum);
                Instant watermark = Instant.parse(record.value().substring("heartbeat ".length()));
                latestWatermark.merge(record.partition(), watermark, (a, b) -> a.isAfter(b) ? a : b);
            } else {
                // Every event follows, in its partition, only heartbeats whose watermark is before its commit.
                Instant seen = latestWatermark.get(record.partition());
                assertTrue(
                        seen == null || seen.isBefore(committedAt.get(record.value())),
                        record.value() + " came after a heartbeat promising everything committed before " + seen);
            }
        }
        assertEquals(3, heartbeatsPerPartition.size(), "heartbeats on every partition: " + heartbeatsPerPartition);
        assertTrue(heartbeatsPerPartition.values().stream().allMatch(n -> n >= 3), heartbeatsPerPartition.toString());
    }

    private static OutboxRelay relay(String name, DataSource db, String table, KafkaSettings settings, int batch) {
        return OutboxRelay.builder(name, db, table, settings)
                .batchSize(batch)
                .interval(Duration.ofMillis(100))
                .leaderRetry(Duration.ofMillis(300))
                .build();
    }

    private static void writeNumbered(Transactions db, OutboxWriter writer, String topic, int from, int to)
            throws Exception {
        for (int i = from; i < to; i++) {
            String value = Integer.toString(i);
            db.inTransaction(() -> writer.write(topic, "one-key", value, Map.of()));
        }
    }

    private static List<Integer> firstSixty() {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            out.add(i);
        }
        return out;
    }

    /** The values in the order of their first appearance (a redelivered run repeats a suffix, at least once). */
    private static List<Integer> firstOccurrences(List<Integer> values) {
        return values.stream().distinct().toList();
    }

    private static String createTable(Transactions db) throws SQLException {
        String table = TestInfra.unique("outbox");
        try (Connection c = db.getConnection();
                Statement s = c.createStatement()) {
            s.execute(OutboxTable.ddl(table));
        }
        return table;
    }

    private static long rows(DataSource db, String table) {
        try (Connection c = db.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> idleInTransaction(DataSource db) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = db.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT pid, query FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'")) {
            while (rs.next()) {
                out.add(rs.getInt(1) + ": " + rs.getString(2));
            }
        }
        return out;
    }

    /** Ends the database session holding the table's relay lock, as the death of its process would. */
    private static void killLockHolder(DataSource db, String table) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement s = c.prepareStatement(
                        "SELECT pg_terminate_backend(pid) FROM pg_locks "
                                + "WHERE locktype = 'advisory' AND granted AND classid::bigint = ? AND objid = to_regclass(?)::oid")) {
            s.setLong(1, OutboxRelay.LOCK_CLASS);
            s.setString(2, table);
            try (ResultSet rs = s.executeQuery()) {
                assertTrue(rs.next() && rs.getBoolean(1), "the leader's session was found and ended");
            }
        }
    }

    private static List<ConsumerRecord<String, String>> readAll(KafkaSettings settings, String topic, int atLeast) {
        Map<String, Object> props = settings.groupConsumer("test-" + UUID.randomUUID(), "test-reader");
        props.put(
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                org.apache.kafka.common.serialization.StringDeserializer.class);
        props.put(
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                org.apache.kafka.common.serialization.StringDeserializer.class);
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(topic)) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline && records.size() < atLeast) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            consumer.poll(Duration.ofMillis(500)).forEach(records::add);
        }
        return records;
    }

    static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        fail("condition not met within " + WAIT);
    }
}
