package io.aiaas.bench;

import io.aiaas.common.id.Ids;
import io.aiaas.messaging.KafkaSettings;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * The transport floor of an online prediction: sequential request-reply round trips of one record through a Kafka
 * broker between two plain Kafka clients and no model. A requester produces to a request topic and reads the reply
 * from a reply topic; an echoer (on a thread of its own) consumes the requests and produces each value back, keyed as
 * it came. Both use the platform's latency client settings ({@link KafkaSettings#latencyProducer},
 * {@link KafkaSettings#latencyConsumer}, each consumer in a group of its own as the worker's and the gateway's are).
 * The two topics (one partition each) are made for the run and deleted after it.
 */
final class KafkaFloor {
    /** Kafka's clients log every connection and group step at INFO; held here so the level sticks. */
    private static final Logger KAFKA_LOG = Logger.getLogger("org.apache.kafka");

    private static final Duration ROUND_TRIP_TIMEOUT = Duration.ofSeconds(10);

    /** Round trips timed in the measured window: latencies in nanoseconds, sorted. */
    record Run(int recordBytes, long roundTrips, double seconds, long[] latencies) {
        double roundTripsPerSecond() {
            return roundTrips / seconds;
        }

        double percentileMillis(double p) {
            return Percentiles.millis(latencies, p);
        }
    }

    private KafkaFloor() {}

    /** Kafka's clients (the broker's start-up check included) log at WARNING and above only, from now on. */
    static void quietClientLogs() {
        KAFKA_LOG.setLevel(Level.WARNING);
    }

    /** Round trips of {@code recordBytes}-byte values for {@code warmup} (not counted), then for {@code measure}. */
    static Run measure(String bootstrapServers, int recordBytes, Duration warmup, Duration measure) throws Exception {
        quietClientLogs();
        KafkaSettings settings = new KafkaSettings(bootstrapServers);
        String run = Ids.randomBase62(8).toLowerCase();
        String requests = "aiaas.bench-floor-requests." + run;
        String replies = "aiaas.bench-floor-replies." + run;
        try (Admin admin = Admin.create(settings.admin("aiaas-bench-floor-admin"))) {
            admin.createTopics(List.of(new NewTopic(requests, 1, (short) 1), new NewTopic(replies, 1, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            try {
                return roundTrips(settings, run, requests, replies, recordBytes, warmup, measure);
            } finally {
                admin.deleteTopics(List.of(requests, replies)).all().get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static Run roundTrips(
            KafkaSettings settings,
            String run,
            String requests,
            String replies,
            int recordBytes,
            Duration warmup,
            Duration measure)
            throws Exception {
        Echoer echoer = new Echoer(settings, run, requests, replies);
        Thread echo = new Thread(echoer, "bench-floor-echoer");
        echo.setDaemon(true);
        echo.start();
        try (KafkaProducer<String, byte[]> producer =
                        new KafkaProducer<>(settings.latencyProducer("aiaas-bench-floor-requester"));
                KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(settings.latencyConsumer(
                        "aiaas-bench-floor-requester-" + run, "aiaas-bench-floor-requester"))) {
            consumer.subscribe(List.of(replies));
            awaitAssignment(consumer, replies);
            if (!echoer.ready.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the echoer got no partition of " + requests + " within 60 s");
            }
            if (echoer.failure != null) {
                throw new IllegalStateException("the echoer failed", echoer.failure);
            }
            byte[] value = new byte[recordBytes];
            new Random(recordBytes).nextBytes(value);
            long start = System.nanoTime();
            long from = start + warmup.toNanos();
            long until = from + measure.toNanos();
            long[] latencies = new long[1 << 14];
            int kept = 0;
            long now = start;
            for (long i = 0; now < until; i++) {
                String key = "rt-" + i;
                long sent = System.nanoTime();
                producer.send(new ProducerRecord<>(requests, key, value));
                awaitReply(consumer, key, recordBytes);
                now = System.nanoTime();
                if (sent >= from && now < until) {
                    if (kept == latencies.length) {
                        latencies = Arrays.copyOf(latencies, kept * 2);
                    }
                    latencies[kept++] = now - sent;
                }
            }
            long[] sorted = Arrays.copyOf(latencies, kept);
            Arrays.sort(sorted);
            return new Run(recordBytes, kept, measure.toNanos() / 1e9, sorted);
        } finally {
            echoer.stop();
            echo.join(TimeUnit.SECONDS.toMillis(30));
        }
    }

    /** Polls until the group has assigned {@code topic}'s partition, and fixes its position (offset reset latest). */
    private static void awaitAssignment(KafkaConsumer<String, byte[]> consumer, String topic) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (consumer.assignment().isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no partition of " + topic + " assigned within 60 s");
            }
            consumer.poll(Duration.ofMillis(100));
        }
        // Resolving the position now means no record sent from here on is skipped by the "latest" reset.
        consumer.position(new TopicPartition(topic, 0));
    }

    private static void awaitReply(KafkaConsumer<String, byte[]> consumer, String key, int recordBytes) {
        long deadline = System.nanoTime() + ROUND_TRIP_TIMEOUT.toNanos();
        while (true) {
            for (ConsumerRecord<String, byte[]> reply : consumer.poll(Duration.ofMillis(100))) {
                if (key.equals(reply.key())) {
                    if (reply.value().length != recordBytes) {
                        throw new IllegalStateException("reply " + key + " has " + reply.value().length + " bytes");
                    }
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no reply to " + key + " within " + ROUND_TRIP_TIMEOUT);
            }
        }
    }

    /** Sends every request's value back on the reply topic, keyed as it came. */
    private static final class Echoer implements Runnable {
        final CountDownLatch ready = new CountDownLatch(1);
        private final KafkaConsumer<String, byte[]> consumer;
        private final KafkaProducer<String, byte[]> producer;
        private final String requests;
        private final String replies;
        private volatile boolean stopped;
        volatile Exception failure;

        Echoer(KafkaSettings settings, String run, String requests, String replies) {
            this.consumer = new KafkaConsumer<>(
                    settings.latencyConsumer("aiaas-bench-floor-echoer-" + run, "aiaas-bench-floor-echoer"));
            this.producer = new KafkaProducer<>(settings.latencyProducer("aiaas-bench-floor-echoer"));
            this.requests = requests;
            this.replies = replies;
        }

        @Override
        public void run() {
            try {
                consumer.subscribe(List.of(requests));
                awaitAssignment(consumer, requests);
                ready.countDown();
                while (!stopped) {
                    for (ConsumerRecord<String, byte[]> request : consumer.poll(Duration.ofMillis(100))) {
                        producer.send(new ProducerRecord<>(replies, request.key(), request.value()));
                    }
                }
            } catch (WakeupException stopping) {
                // stop() woke the poll
            } catch (Exception e) {
                failure = e;
                ready.countDown();
            } finally {
                producer.close(Duration.ofSeconds(5));
                consumer.close(Duration.ofSeconds(5));
            }
        }

        void stop() {
            stopped = true;
            try {
                consumer.wakeup();
            } catch (RuntimeException closedAlready) {
                // the echoer ended on its own (a failure) and closed its consumer
            }
        }
    }
}
