package io.aiaas.messaging.consumer;

import io.aiaas.common.id.Ids;
import io.aiaas.messaging.Backoff;
import io.aiaas.messaging.KafkaSettings;
import io.aiaas.messaging.trace.KafkaTracing;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.IllegalGenerationException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.jboss.logging.Logger;

/**
 * The platform's one Kafka consumer: a thread of its own that polls, decodes and hands batches to a
 * {@link BatchHandler}, and that never dies silently.
 *
 * <ul>
 *   <li><b>Group mode</b> ({@link Builder#group}): subscribes as a member of a consumer group, so each record goes to
 *       one replica. Offsets are committed after the handler returns ({@link CommitMode#AFTER_HANDLER}), or by the
 *       handler itself inside a Kafka transaction ({@link CommitMode#HANDLER_TRANSACTION}, with
 *       {@link Batch#offsetsThrough} and {@link Batch#groupMetadata}).
 *   <li><b>Broadcast mode</b> ({@link Builder#broadcast}): assigns itself every partition of its topics and starts at
 *       their end, so every replica sees every record from its start on. Positions are kept in memory: a restarted
 *       consumer resumes where the failed one stopped, so a failure loses nothing.
 * </ul>
 *
 * <p>A batch the handler fails on is rewound to its first delivery not marked done and read again after a backoff:
 * nothing is skipped, so handlers must be idempotent. An unreadable record (its {@link RecordDecoder} throws) is logged
 * with its position and skipped. Any failure of the consumer itself (poll, commit, rebalance, fencing) closes it and
 * starts a new one after a backoff. {@link #state()} says whether it consumes, for readiness checks.
 */
public final class ConsumerLoop<T> implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ConsumerLoop.class);

    /** Who commits consumed offsets in group mode. */
    public enum CommitMode {
        /** The loop commits after the handler returns (and, on failure, what the handler marked done). */
        AFTER_HANDLER,
        /**
         * The handler commits offsets in its own Kafka transaction ({@code sendOffsetsToTransaction}) and marks each
         * delivery done after its transaction committed; the loop only commits records it skipped as unreadable.
         */
        HANDLER_TRANSACTION
    }

    /** Thrown by a handler to have the loop close its consumer and start a new one (e.g. its producer was fenced). */
    public static final class RestartRequested extends RuntimeException {
        public RestartRequested(String reason, Throwable cause) {
            super(reason, cause);
        }
    }

    /**
     * What the loop is doing, for health checks.
     *
     * @param running the thread runs and has not been asked to stop
     * @param consuming a consumer is open, has joined (group) or been assigned (broadcast), and its last poll or
     *     batch succeeded
     * @param assignment the partitions this replica reads, as {@code topic-partition}
     * @param lastFailure what failed last (no record content), or null
     * @param consecutiveFailures failures since the last success; 0 while all is well
     * @param restarts how many times a failed consumer was replaced
     */
    public record State(
            String name,
            boolean running,
            boolean consuming,
            List<String> assignment,
            Instant lastPoll,
            String lastFailure,
            Instant lastFailureAt,
            int consecutiveFailures,
            long restarts) {
        /** Ready: the loop runs and consumes. */
        public boolean up() {
            return running && consuming;
        }
    }

    private final String name;
    private final List<String> topics;
    private final String groupId;
    private final CommitMode commitMode;
    private final Map<String, Object> consumerProperties;
    private final RecordDecoder<T> decoder;
    private final BatchHandler<T> handler;
    private final KafkaTracing tracing;
    private final Duration pollTimeout;
    private final Backoff backoff;
    private final Duration closeTimeout;
    private final java.util.function.Consumer<Collection<TopicPartition>> onAssignment;
    /** Broadcast mode: where each partition continues after a restart. */
    private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();

    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile Thread thread;
    private volatile boolean joined;
    private volatile boolean consuming;
    private volatile List<String> assignment = List.of();
    private volatile Instant lastPoll;
    private volatile String lastFailure;
    private volatile Instant lastFailureAt;
    private volatile int consecutiveFailures;
    /** A batch the handler failed on waits to be read again. */
    private volatile boolean batchFailed;

    private volatile long restarts;

    private ConsumerLoop(Builder<T> b) {
        this.name = b.name;
        this.topics = List.copyOf(b.topics);
        this.groupId = b.groupId;
        this.commitMode = b.commitMode;
        this.decoder = b.decoder;
        this.handler = b.handler;
        this.tracing = b.tracing;
        this.pollTimeout = b.pollTimeout;
        this.backoff = b.backoff;
        this.closeTimeout = b.closeTimeout;
        this.onAssignment = b.onAssignment;
        String clientId = "aiaas-" + b.name + "-" + Ids.randomBase62(6).toLowerCase(Locale.ROOT);
        Map<String, Object> props =
                groupId == null ? b.settings.broadcastConsumer(clientId) : b.settings.groupConsumer(groupId, clientId);
        props.putAll(b.overrides);
        this.consumerProperties = Map.copyOf(props);
    }

    /**
     * A loop named {@code name} (threads, client ids, logs, health) reading with {@code settings}, decoding with
     * {@code decoder} and handing batches to {@code handler}.
     */
    public static <T> Builder<T> builder(
            String name, KafkaSettings settings, RecordDecoder<T> decoder, BatchHandler<T> handler) {
        return new Builder<>(name, settings, decoder, handler);
    }

    /** Starts the loop's thread; a second call does nothing. */
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        Thread t = new Thread(this::run, "aiaas-consumer-" + name);
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    public State state() {
        Thread t = thread;
        return new State(
                name,
                t != null && t.isAlive() && !stopping,
                consuming,
                assignment,
                lastPoll,
                lastFailure,
                lastFailureAt,
                consecutiveFailures,
                restarts);
    }

    public String name() {
        return name;
    }

    /** Stops the loop: the batch under way finishes (or stops at {@link Batch#stopRequested}), then it closes. */
    @Override
    public void close() {
        stopping = true;
        stop.countDown();
        Thread t = thread;
        if (t == null || t == Thread.currentThread()) {
            return;
        }
        try {
            t.join(closeTimeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            LOG.warnf("consumer loop %s did not stop within %s", name, closeTimeout);
        }
    }

    private void run() {
        try {
            while (!stopping) {
                try {
                    consumeWithNewConsumer();
                } catch (Exception e) {
                    if (stopping) {
                        break;
                    }
                    failed("consumer failed", e);
                    restarts++;
                    Duration pause = backoff.after(consecutiveFailures);
                    LOG.errorf("consumer loop %s: %s; a new consumer starts in %s", name, describe(e), pause);
                    LOG.debug("consumer failure", e);
                    pause(pause);
                }
            }
        } catch (Error e) {
            LOG.fatalf(e, "consumer loop %s died", name);
            throw e;
        } finally {
            consuming = false;
            assignment = List.of();
            LOG.infof("consumer loop %s stopped", name);
        }
    }

    private void consumeWithNewConsumer() throws Exception {
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(consumerProperties);
        try {
            handler.consumerStarted();
            attach(c);
            while (!stopping) {
                ConsumerRecords<String, byte[]> records;
                try {
                    records = c.poll(pollTimeout);
                } catch (RecordDeserializationException e) {
                    // Only keys are deserialised by the client (values are bytes); such a record can never be read.
                    LOG.warnf(
                            "consumer loop %s: skipping an unreadable record at %s offset %d",
                            name, e.topicPartition(), e.offset());
                    c.seek(e.topicPartition(), e.offset() + 1);
                    continue;
                }
                lastPoll = Instant.now();
                if (records.isEmpty()) {
                    if (joined && !batchFailed) {
                        // A new consumer that joined and polls fine has recovered from what failed before; a failed
                        // batch, on the other hand, counts until it is handled.
                        consecutiveFailures = 0;
                        consuming = true;
                    }
                    continue;
                }
                process(c, records);
            }
        } finally {
            consuming = false;
            joined = false;
            assignment = List.of();
            try {
                handler.consumerStopped();
            } catch (RuntimeException e) {
                LOG.warnf("consumer loop %s: the handler failed to stop cleanly: %s", name, describe(e));
            }
            try {
                c.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.debugf("closing consumer of %s: %s", name, e);
            }
        }
    }

    private void attach(KafkaConsumer<String, byte[]> c) {
        if (groupId != null) {
            c.subscribe(topics, new Rebalance(c));
            return;
        }
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            List<PartitionInfo> infos = c.partitionsFor(topic);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("topic " + topic + " has no partitions (not declared yet?)");
            }
            infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        }
        c.assign(partitions);
        List<TopicPartition> fromEnd = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            Long position = positions.get(partition);
            if (position == null) {
                fromEnd.add(partition);
            } else {
                c.seek(partition, position);
            }
        }
        c.seekToEnd(fromEnd);
        // seekToEnd is lazy: resolve now, so records published from here on are seen.
        for (TopicPartition partition : fromEnd) {
            positions.put(partition, c.position(partition));
        }
        assignment = names(partitions);
        joined = true;
        onAssignment.accept(List.copyOf(partitions));
    }

    private void process(KafkaConsumer<String, byte[]> c, ConsumerRecords<String, byte[]> records) throws Exception {
        Map<TopicPartition, Long> starts = new LinkedHashMap<>();
        Map<TopicPartition, Long> ends = new LinkedHashMap<>();
        List<Delivery<T>> deliveries = new ArrayList<>(records.count());
        for (TopicPartition partition : records.partitions()) {
            List<ConsumerRecord<String, byte[]>> inPartition = records.records(partition);
            starts.put(partition, inPartition.get(0).offset());
            ends.put(partition, inPartition.get(inPartition.size() - 1).offset() + 1);
            for (ConsumerRecord<String, byte[]> record : inPartition) {
                T value;
                try {
                    value = decoder.decode(record);
                } catch (Exception e) {
                    LOG.warnf(
                            "consumer loop %s: skipping an unreadable record at %s-%d offset %d (%s)",
                            name, record.topic(), record.partition(), record.offset(), describe(e));
                    continue;
                }
                if (value != null) {
                    deliveries.add(new Delivery<>(record, value, tracing));
                }
            }
        }
        Batch<T> batch = new Batch<>(deliveries, groupId == null ? null : c.groupMetadata(), tracing, () -> stopping);
        Exception failure = null;
        if (!deliveries.isEmpty()) {
            try {
                handler.handle(batch);
            } catch (Exception e) {
                if (isConsumerFailure(e)) {
                    throw e;
                }
                failure = e;
            }
        }
        boolean complete = failure == null && !batch.stoppedEarly();
        Map<TopicPartition, Long> next = new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            long pending = complete ? -1 : batch.firstPending(end.getKey());
            next.put(end.getKey(), pending < 0 ? end.getValue() : pending);
        }
        commit(c, batch, starts, next);
        if (complete) {
            batchFailed = false;
            consecutiveFailures = 0;
            consuming = joined;
            return;
        }
        rewind(c, ends, next);
        if (failure != null) {
            batchFailed = true;
            failed("handler failed", failure);
            Duration pause = backoff.after(consecutiveFailures);
            LOG.warnf(
                    "consumer loop %s: handling %d records failed (%s); reading them again in %s",
                    name, deliveries.size(), describe(failure), pause);
            LOG.debug("handler failure", failure);
            pause(pause);
        }
    }

    private void commit(
            KafkaConsumer<String, byte[]> c,
            Batch<T> batch,
            Map<TopicPartition, Long> starts,
            Map<TopicPartition, Long> next) {
        if (groupId == null) {
            positions.putAll(next);
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (Map.Entry<TopicPartition, Long> entry : next.entrySet()) {
            TopicPartition partition = entry.getKey();
            long offset = entry.getValue();
            boolean progressed = offset > starts.get(partition);
            boolean ours = commitMode == CommitMode.AFTER_HANDLER || !committedByHandler(batch, partition, offset);
            if (progressed && ours) {
                offsets.put(partition, new OffsetAndMetadata(offset));
            }
        }
        if (!offsets.isEmpty()) {
            // A failure here (the group moved on) is the consumer's: it restarts, and what was handled comes again.
            c.commitSync(offsets);
        }
    }

    /** In transaction mode: whether the handler's own transactions already committed through {@code offset}. */
    private static <T> boolean committedByHandler(Batch<T> batch, TopicPartition partition, long offset) {
        for (Delivery<T> delivery : batch.deliveries()) {
            if (delivery.topicPartition().equals(partition)
                    && delivery.offset() + 1 == offset
                    && batch.isDone(delivery)) {
                return true;
            }
        }
        return false;
    }

    private void rewind(
            KafkaConsumer<String, byte[]> c, Map<TopicPartition, Long> ends, Map<TopicPartition, Long> next) {
        for (Map.Entry<TopicPartition, Long> entry : next.entrySet()) {
            if (entry.getValue() < ends.get(entry.getKey()) && c.assignment().contains(entry.getKey())) {
                c.seek(entry.getKey(), entry.getValue());
            }
        }
    }

    private void failed(String what, Exception e) {
        consuming = false;
        consecutiveFailures++;
        lastFailure = what + ": " + e.getClass().getSimpleName();
        lastFailureAt = Instant.now();
    }

    /** Failures that mean the consumer's group membership is gone: only a new consumer helps. */
    private static boolean isConsumerFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RestartRequested
                    || t instanceof CommitFailedException
                    || t instanceof RebalanceInProgressException
                    || t instanceof FencedInstanceIdException
                    || t instanceof IllegalGenerationException
                    || t instanceof UnknownMemberIdException) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + message;
    }

    private static List<String> names(Collection<TopicPartition> partitions) {
        return partitions.stream().map(TopicPartition::toString).sorted().toList();
    }

    private void pause(Duration duration) {
        try {
            stop.await(duration.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        private final KafkaConsumer<String, byte[]> c;

        Rebalance(KafkaConsumer<String, byte[]> c) {
            this.c = c;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            joined = true;
            assignment = names(c.assignment());
            onAssignment.accept(List.copyOf(c.assignment()));
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // Every handled batch is committed before the next poll: nothing to save here.
            assignment = names(
                    c.assignment().stream().filter(p -> !partitions.contains(p)).toList());
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            joined = false;
            consuming = false;
            assignment = List.of();
        }
    }

    /** Options of a {@link ConsumerLoop}. */
    public static final class Builder<T> {
        private final String name;
        private final KafkaSettings settings;
        private final RecordDecoder<T> decoder;
        private final BatchHandler<T> handler;
        private final List<String> topics = new ArrayList<>();
        private final Map<String, Object> overrides = new HashMap<>();
        private String groupId;
        private CommitMode commitMode = CommitMode.AFTER_HANDLER;
        private boolean broadcast;
        private KafkaTracing tracing = KafkaTracing.noop();
        private Duration pollTimeout = Duration.ofMillis(500);
        private Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));
        private Duration closeTimeout = Duration.ofSeconds(30);
        private java.util.function.Consumer<Collection<TopicPartition>> onAssignment = partitions -> {};

        private Builder(String name, KafkaSettings settings, RecordDecoder<T> decoder, BatchHandler<T> handler) {
            this.name = Objects.requireNonNull(name);
            this.settings = Objects.requireNonNull(settings);
            this.decoder = Objects.requireNonNull(decoder);
            this.handler = Objects.requireNonNull(handler);
        }

        public Builder<T> topics(String... names) {
            topics.addAll(List.of(names));
            return this;
        }

        /** Group mode: one member of {@code groupId}. */
        public Builder<T> group(String groupId, CommitMode commitMode) {
            this.groupId = Objects.requireNonNull(groupId);
            this.commitMode = Objects.requireNonNull(commitMode);
            return this;
        }

        /** Broadcast mode: every partition, from the end; no group, no commits. */
        public Builder<T> broadcast() {
            this.broadcast = true;
            return this;
        }

        public Builder<T> tracing(KafkaTracing tracing) {
            this.tracing = Objects.requireNonNull(tracing);
            return this;
        }

        public Builder<T> pollTimeout(Duration pollTimeout) {
            this.pollTimeout = Objects.requireNonNull(pollTimeout);
            return this;
        }

        /** The pause after a failure, growing with consecutive failures. */
        public Builder<T> backoff(Backoff backoff) {
            this.backoff = Objects.requireNonNull(backoff);
            return this;
        }

        /** How long {@link #close()} waits for the batch under way. */
        public Builder<T> closeTimeout(Duration closeTimeout) {
            this.closeTimeout = Objects.requireNonNull(closeTimeout);
            return this;
        }

        /**
         * Told, on the loop's thread, every partition this replica reads whenever that changes: each time a consumer
         * is attached (broadcast) or the group assigns (group mode). Must be quick.
         */
        public Builder<T> onAssignment(java.util.function.Consumer<Collection<TopicPartition>> listener) {
            this.onAssignment = Objects.requireNonNull(listener);
            return this;
        }

        /** A consumer setting of this loop alone ({@link ConsumerConfig}), over {@link KafkaSettings}' defaults. */
        public Builder<T> consumerProperty(String key, Object value) {
            overrides.put(key, value);
            return this;
        }

        public ConsumerLoop<T> build() {
            if (topics.isEmpty()) {
                throw new IllegalStateException("a consumer loop needs topics");
            }
            if (broadcast == (groupId != null)) {
                throw new IllegalStateException("a consumer loop is either in a group or broadcast");
            }
            return new ConsumerLoop<>(this);
        }
    }
}
