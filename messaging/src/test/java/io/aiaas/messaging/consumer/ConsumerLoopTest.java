package io.aiaas.messaging.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.aiaas.messaging.Backoff;
import io.aiaas.messaging.KafkaSettings;
import io.aiaas.messaging.support.TestInfra;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The consumer loop against a real broker. */
class ConsumerLoopTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static final RecordDecoder<String> TEXT = record -> {
        String value = new String(record.value(), StandardCharsets.UTF_8);
        if (value.startsWith("bad")) {
            throw new IllegalArgumentException("not a value this test reads");
        }
        return value;
    };

    @Test
    void aCommitFailureRestartsTheConsumerShowsDownMeanwhileAndLosesOrRepeatsNothing() throws Exception {
        KafkaSettings settings = TestInfra.settings();
        String topic = TestInfra.unique("commit_failure");
        TestInfra.declare(settings.bootstrapServers(), topic, 1);
        produce(settings, topic, values("a", 0, 20));

        // An idempotent handler: an effect per value, applied once however often the value is delivered.
        Map<String, Integer> effects = new ConcurrentHashMap<>();
        AtomicInteger deliveries = new AtomicInteger();
        AtomicBoolean outlasted = new AtomicBoolean();
        BatchHandler<String> handler = batch -> {
            if (outlasted.compareAndSet(false, true)) {
                // Longer than max.poll.interval.ms: the group evicts this member, and its commit must fail.
                Thread.sleep(2_500);
            }
            for (String value : batch.values()) {
                deliveries.incrementAndGet();
                effects.putIfAbsent(value, 1);
            }
        };
        String group = TestInfra.unique("group");
        try (ConsumerLoop<String> loop = ConsumerLoop.builder("commit-failure", settings, TEXT, handler)
                .topics(topic)
                .group(group, ConsumerLoop.CommitMode.AFTER_HANDLER)
                .consumerProperty(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 1_000)
                .pollTimeout(Duration.ofMillis(100))
                .backoff(new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(2)))
                .build()) {
            loop.start();
            List<ConsumerLoop.State> seen = new CopyOnWriteArrayList<>();
            awaitTrue(() -> {
                ConsumerLoop.State s = loop.state();
                seen.add(s);
                return s.restarts() >= 1 && s.up();
            });
            ConsumerLoop.State down = seen.stream()
                    .filter(s -> !s.up() && s.lastFailure() != null)
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("the loop never showed DOWN while it could not consume"));
            assertTrue(down.running(), "the loop lives on through the failure");
            assertTrue(down.lastFailure().contains("CommitFailedException"), down.lastFailure());
            assertTrue(down.consecutiveFailures() >= 1);

            produce(settings, topic, values("b", 0, 5));
            awaitTrue(() -> effects.size() == 25);
            awaitTrue(() -> committed(settings, group, new TopicPartition(topic, 0)) == 25);
            ConsumerLoop.State after = loop.state();
            assertTrue(after.up(), "UP again once it consumes");
            assertEquals(0, after.consecutiveFailures());
        }
        Set<String> expected = new java.util.HashSet<>(values("a", 0, 20));
        expected.addAll(values("b", 0, 5));
        assertEquals(expected, effects.keySet(), "no record lost");
        assertTrue(effects.values().stream().allMatch(n -> n == 1), "no effect applied twice");
        assertTrue(deliveries.get() >= 45, "the batch whose commit failed was delivered again: " + deliveries.get());
    }

    @Test
    void aFailingBatchIsReadAgainAndAnUnreadableRecordIsSkipped() throws Exception {
        KafkaSettings settings = TestInfra.settings();
        String topic = TestInfra.unique("retry");
        TestInfra.declare(settings.bootstrapServers(), topic, 1);
        produce(settings, topic, List.of("one", "bad-1", "two", "bad-2", "three"));

        AtomicInteger attempts = new AtomicInteger();
        List<String> handled = Collections.synchronizedList(new ArrayList<>());
        List<ConsumerLoop.State> whileFailing = new CopyOnWriteArrayList<>();
        String group = TestInfra.unique("group");
        ConsumerLoop<String>[] self = new ConsumerLoop[1];
        BatchHandler<String> handler = batch -> {
            if (attempts.incrementAndGet() <= 2) {
                if (attempts.get() == 2) {
                    whileFailing.add(self[0].state());
                }
                throw new IllegalStateException("the store is down");
            }
            handled.addAll(batch.values());
        };
        try (ConsumerLoop<String> loop = ConsumerLoop.builder("retry", settings, TEXT, handler)
                .topics(topic)
                .group(group, ConsumerLoop.CommitMode.AFTER_HANDLER)
                .pollTimeout(Duration.ofMillis(100))
                .backoff(new Backoff(Duration.ofMillis(200), Duration.ofMillis(400)))
                .build()) {
            self[0] = loop;
            loop.start();
            awaitTrue(() -> handled.size() >= 3);
            awaitTrue(() -> committed(settings, group, new TopicPartition(topic, 0)) == 5);
            assertTrue(loop.state().up());
        }
        assertEquals(List.of("one", "two", "three"), handled, "retried as a whole, unreadable records skipped");
        assertEquals(3, attempts.get());
        ConsumerLoop.State failing = whileFailing.get(0);
        assertFalse(failing.up(), "DOWN while the handler fails");
        assertEquals("handler failed: IllegalStateException", failing.lastFailure());
        assertEquals(1, failing.consecutiveFailures());
    }

    @Test
    void aPartlyDoneBatchResumesAfterItsLastDoneDelivery() throws Exception {
        KafkaSettings settings = TestInfra.settings();
        String topic = TestInfra.unique("partly");
        TestInfra.declare(settings.bootstrapServers(), topic, 1);
        produce(settings, topic, List.of("p1", "p2", "p3", "p4"));

        List<String> handled = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean failedOnce = new AtomicBoolean();
        BatchHandler<String> handler = batch -> batch.each(delivery -> {
            if (delivery.value().equals("p3") && failedOnce.compareAndSet(false, true)) {
                throw new IllegalStateException("p3 cannot be applied yet");
            }
            handled.add(delivery.value());
        });
        try (ConsumerLoop<String> loop = ConsumerLoop.builder("partly", settings, TEXT, handler)
                .topics(topic)
                .group(TestInfra.unique("group"), ConsumerLoop.CommitMode.AFTER_HANDLER)
                .pollTimeout(Duration.ofMillis(100))
                .backoff(new Backoff(Duration.ofMillis(100), Duration.ofMillis(200)))
                .build()) {
            loop.start();
            awaitTrue(() -> handled.size() >= 4);
        }
        assertEquals(List.of("p1", "p2", "p3", "p4"), handled, "what was done is not done again");
    }

    @Test
    void everyBroadcastReplicaSeesEveryRecordFromItsStart() throws Exception {
        KafkaSettings settings = TestInfra.settings();
        String topic = TestInfra.unique("broadcast");
        TestInfra.declare(settings.bootstrapServers(), topic, 3);
        produce(settings, topic, List.of("before-1", "before-2"));

        List<String> first = Collections.synchronizedList(new ArrayList<>());
        List<String> second = Collections.synchronizedList(new ArrayList<>());
        try (ConsumerLoop<String> a = broadcast(settings, topic, "replica-a", first);
                ConsumerLoop<String> b = broadcast(settings, topic, "replica-b", second)) {
            a.start();
            b.start();
            awaitTrue(() -> a.state().up() && b.state().up());
            assertEquals(
                    3,
                    a.state().assignment().size(),
                    "every partition: " + a.state().assignment());
            List<String> published = values("event", 0, 12);
            produce(settings, topic, published);
            awaitTrue(() -> first.size() >= 12 && second.size() >= 12);
            assertEquals(Set.copyOf(published), Set.copyOf(first));
            assertEquals(Set.copyOf(published), Set.copyOf(second));
            assertEquals(12, first.size(), "nothing from before the start, nothing twice");
        }
    }

    /** A loop started before its topic exists fails, then shows UP once it reads, before any record arrives. */
    @Test
    void aLoopStartedBeforeItsTopicExistsShowsUpOnceItCanRead() throws Exception {
        KafkaSettings settings = TestInfra.settings();
        String topic = TestInfra.unique("late");
        List<String> into = Collections.synchronizedList(new ArrayList<>());
        try (ConsumerLoop<String> loop = ConsumerLoop.builder(
                        "late", settings, TEXT, batch -> into.addAll(batch.values()))
                .topics(topic)
                .broadcast()
                .pollTimeout(Duration.ofMillis(100))
                .backoff(new Backoff(Duration.ofMillis(200), Duration.ofMillis(400)))
                .build()) {
            loop.start();
            awaitTrue(() -> loop.state().consecutiveFailures() >= 1);
            assertFalse(loop.state().up());
            TestInfra.declare(settings.bootstrapServers(), topic, 1);
            awaitTrue(() -> loop.state().up());
            assertEquals(0, loop.state().consecutiveFailures());
            assertTrue(into.isEmpty());
        }
    }

    private static ConsumerLoop<String> broadcast(
            KafkaSettings settings, String topic, String name, List<String> into) {
        return ConsumerLoop.builder(name, settings, TEXT, batch -> into.addAll(batch.values()))
                .topics(topic)
                .broadcast()
                .pollTimeout(Duration.ofMillis(100))
                .build();
    }

    static List<String> values(String prefix, int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(prefix + "-" + i);
        }
        return out;
    }

    static void produce(KafkaSettings settings, String topic, List<String> values) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(settings.producer("test-producer"))) {
            int i = 0;
            for (String value : values) {
                producer.send(new ProducerRecord<>(topic, "key-" + (i++), value))
                        .get();
            }
        }
    }

    static long committed(KafkaSettings settings, String group, TopicPartition partition) {
        try (Admin admin = Admin.create(settings.admin("test-admin"))) {
            OffsetAndMetadata offset = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get()
                    .get(partition);
            return offset == null ? -1 : offset.offset();
        } catch (Exception e) {
            return -1;
        }
    }

    static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(20);
        }
        fail("condition not met within " + WAIT);
    }
}
