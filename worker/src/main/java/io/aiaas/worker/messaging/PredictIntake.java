package io.aiaas.worker.messaging;

import io.aiaas.common.events.Topics;
import io.aiaas.common.predict.PredictRequest;
import io.aiaas.common.predict.PredictWire;
import io.aiaas.messaging.Backoff;
import io.aiaas.messaging.KafkaSettings;
import io.aiaas.worker.config.WorkerConfig;
import io.aiaas.worker.config.WorkerIdentity;
import io.aiaas.worker.service.OnlinePredictor;
import io.aiaas.worker.service.PendingPrediction;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.utils.Utils;
import org.jboss.logging.Logger;

/**
 * The intake of online predictions: a member of group {@value #GROUP_ID} on {@link Topics#PREDICT_REQUESTS} that
 * decodes each poll's requests and hands them to {@link OnlinePredictor} at once (it never waits for a model or a
 * run). Offsets are committed automatically: a request lost in a rebalance or a crash only runs into its deadline, and
 * one read twice is answered twice (the gateway keeps the first answer).
 *
 * <p>It uses the Kafka consumer directly rather than the messaging module's {@code ConsumerLoop}: that loop commits
 * synchronously after every batch (a broker round trip per poll on the latency path), reads {@code read_committed}
 * with manual commits, and reads a failed batch again, which would run predictions twice. Here nothing fails per
 * batch, and the latency consumer's automatic commits suit.
 *
 * <p>The session timeout is short ({@code predict.session-timeout}, 3 s) so that a killed worker's partitions move to
 * the others within seconds; a worker that stops leaves the group at once. Partitions move incrementally (cooperative
 * sticky assignment): a worker joining or leaving does not stop the others' partitions.
 */
@Singleton
public class PredictIntake {
    /** Consumer group of all workers: each request goes to the one worker that owns its partition. */
    public static final String GROUP_ID = "aiaas-worker-predict";

    private static final Logger LOG = Logger.getLogger(PredictIntake.class);

    private final OnlinePredictor predictor;
    private final Map<String, Object> consumerProperties;
    private final Duration pollTimeout;
    private final Backoff backoff;
    private final int maxQueued;

    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile Thread thread;
    private volatile Instant lastPoll = Instant.now();
    private volatile boolean consuming;
    private volatile boolean paused;
    private volatile int consecutiveFailures;
    /** The request partitions this worker owns, and how many the topic has (for {@link #owns}). */
    private volatile Set<Integer> owned = Set.of();

    private volatile int partitionCount;

    public PredictIntake(
            KafkaSettings settings, WorkerConfig config, WorkerIdentity identity, OnlinePredictor predictor) {
        this.predictor = predictor;
        WorkerConfig.Predict predict = config.predict();
        Map<String, Object> props = settings.latencyConsumer(GROUP_ID, "aiaas-worker-predict-" + identity.workerId());
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, predict.maxPollRecords());
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int)
                predict.sessionTimeout().toMillis());
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int)
                predict.heartbeatInterval().toMillis());
        props.put(ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG, (int)
                predict.autoCommitInterval().toMillis());
        props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        this.consumerProperties = Map.copyOf(props);
        this.pollTimeout = config.kafka().pollTimeout();
        this.backoff = new Backoff(config.kafka().retryBackoff(), config.kafka().retryBackoffMax());
        this.maxQueued = Math.max(1, predict.maxQueuedRequests());
    }

    public synchronized void start() {
        if (thread != null) {
            return;
        }
        Thread t = new Thread(this::run, "aiaas-predict-intake");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    /** Leaves the group (its partitions move to other workers at once). */
    public void stop(Duration timeout) {
        stopping = true;
        stop.countDown();
        Thread t = thread;
        if (t == null) {
            return;
        }
        try {
            t.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether it is a member of the group and polls without failing (readiness). */
    public boolean consuming() {
        return consuming && !stopping;
    }

    /** When the intake thread last came back from a poll (liveness). */
    public Instant lastPoll() {
        Thread t = thread;
        return t == null || t.isAlive() || stopping ? lastPoll : Instant.EPOCH;
    }

    public boolean paused() {
        return paused;
    }

    /** The request partitions this worker owns now, sorted. */
    public List<Integer> partitions() {
        return List.copyOf(new TreeSet<>(owned));
    }

    /**
     * Whether this worker owns the request partition of {@code key} ({@code <modelId>/<version>}), as the gateways'
     * producers choose it: Kafka's default partitioner for a keyed record, murmur2 of the key's bytes modulo the
     * partitions.
     */
    public boolean owns(String key) {
        int n = partitionCount;
        if (n <= 0) {
            return false;
        }
        int partition = Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % n;
        return owned.contains(partition);
    }

    private void run() {
        while (!stopping) {
            try {
                consume();
            } catch (Exception e) {
                if (stopping) {
                    break;
                }
                consuming = false;
                Duration pause = backoff.after(++consecutiveFailures);
                LOG.errorf("prediction intake failed (%s); a new consumer starts in %s", e.toString(), pause);
                LOG.debug("prediction intake failure", e);
                try {
                    stop.await(pause.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
                lastPoll = Instant.now();
            }
        }
        consuming = false;
        LOG.info("prediction intake stopped");
    }

    private void consume() {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerProperties)) {
            consumer.subscribe(List.of(Topics.PREDICT_REQUESTS), new Rebalance(consumer));
            while (!stopping) {
                adjustPause(consumer);
                ConsumerRecords<String, byte[]> records;
                try {
                    records = consumer.poll(pollTimeout);
                } catch (RecordDeserializationException e) {
                    // Only keys are deserialised by the client; such a record can never be read.
                    LOG.warnf("skipping an unreadable record at %s offset %d", e.topicPartition(), e.offset());
                    consumer.seek(e.topicPartition(), e.offset() + 1);
                    continue;
                }
                long received = System.nanoTime();
                lastPoll = Instant.now();
                consuming = true;
                consecutiveFailures = 0;
                if (records.isEmpty()) {
                    continue;
                }
                List<PendingPrediction> taken = new ArrayList<>(records.count());
                for (ConsumerRecord<String, byte[]> record : records) {
                    PendingPrediction prediction = decode(record, received);
                    if (prediction != null) {
                        taken.add(prediction);
                    }
                }
                predictor.submit(taken);
            }
        } finally {
            consuming = false;
            owned = Set.of();
        }
    }

    private static PendingPrediction decode(ConsumerRecord<String, byte[]> record, long received) {
        PredictRequest request;
        try {
            request = PredictWire.decodeRequest(record.value());
        } catch (RuntimeException e) {
            LOG.warnf(
                    "skipping an unreadable prediction request at %s-%d offset %d (%s)",
                    record.topic(), record.partition(), record.offset(), e.getMessage());
            return null;
        }
        return new PendingPrediction(
                request, header(record, Topics.HEADER_REQUEST_ID), header(record, Topics.HEADER_TRACEPARENT), received);
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** Pauses every partition while too many requests wait to be answered, resuming below half of the bound. */
    private void adjustPause(KafkaConsumer<String, byte[]> consumer) {
        int queued = predictor.queued();
        if (!paused && queued > maxQueued) {
            consumer.pause(consumer.assignment());
            paused = true;
            LOG.warnf("%d predictions wait: prediction intake paused", queued);
        } else if (paused && queued <= maxQueued / 2) {
            consumer.resume(consumer.paused());
            paused = false;
            LOG.info("prediction intake resumed");
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        private final KafkaConsumer<String, byte[]> consumer;

        Rebalance(KafkaConsumer<String, byte[]> consumer) {
            this.consumer = consumer;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            List<PartitionInfo> infos = consumer.partitionsFor(Topics.PREDICT_REQUESTS);
            partitionCount = infos == null ? 0 : infos.size();
            owned = numbers(consumer.assignment(), Set.of());
            if (paused) {
                consumer.pause(partitions);
            }
            LOG.debugf("prediction partitions now %s", partitions());
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            owned = numbers(consumer.assignment(), partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            owned = numbers(consumer.assignment(), partitions);
        }

        private static Set<Integer> numbers(Collection<TopicPartition> assigned, Collection<TopicPartition> leaving) {
            Set<Integer> numbers = new TreeSet<>();
            for (TopicPartition p : assigned) {
                if (!leaving.contains(p)) {
                    numbers.add(p.partition());
                }
            }
            return Set.copyOf(numbers);
        }
    }
}
