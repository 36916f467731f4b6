package io.aiaas.worker.messaging;

import io.aiaas.common.events.JobRequest;
import io.aiaas.common.events.Topics;
import io.aiaas.messaging.Backoff;
import io.aiaas.messaging.KafkaSettings;
import io.aiaas.worker.config.WorkerConfig;
import io.aiaas.worker.config.WorkerIdentity;
import io.aiaas.worker.service.JobExecution;
import io.aiaas.worker.service.JobTicket;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.jboss.logging.Logger;

/**
 * The worker's intake: a member of group {@value #GROUP_ID} on {@link Topics#JOBS} that polls at all times and hands
 * each dispatch record to {@link JobExecution}. While the executors are full it keeps the records it could not hand
 * over and pauses its partitions (polling on, so the group keeps it), resuming when they drain. It commits, per
 * partition, the offsets up to the first record whose claim is not yet answered: plain consumer commits, since a
 * job's ownership is its lease at model-service, not an offset.
 *
 * <p>It uses the Kafka consumer directly rather than the messaging module's {@code ConsumerLoop}: that loop hands a
 * batch to a handler and commits when the handler returns, whereas the intake must return at once, pause and resume,
 * and commit offsets that complete later on other threads.
 */
@Singleton
public class JobIntake {
    /** Consumer group of all workers: each dispatch record goes to one of them. */
    public static final String GROUP_ID = "aiaas-workers";

    private static final Logger LOG = Logger.getLogger(JobIntake.class);
    /** Poll timeout while paused: the executors' room is checked this often. */
    private static final Duration PAUSED_POLL = Duration.ofMillis(50);

    private record Held(TopicPartition partition, JobTicket ticket) {}

    private final JobExecution execution;
    private final Map<String, Object> consumerProperties;
    private final Duration pollTimeout;
    private final Duration commitInterval;
    private final Backoff backoff;
    private final Map<TopicPartition, PartitionOffsets> offsets = new ConcurrentHashMap<>();
    /** Records the executors had no room for, in order; intake thread only. */
    private final Deque<Held> held = new ArrayDeque<>();

    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile Thread thread;
    private volatile Instant lastPoll = Instant.now();
    private volatile boolean consuming;
    private volatile boolean paused;
    private volatile int consecutiveFailures;

    public JobIntake(KafkaSettings settings, WorkerConfig config, WorkerIdentity identity, JobExecution execution) {
        this.execution = execution;
        WorkerConfig.Kafka kafka = config.kafka();
        Map<String, Object> props = settings.groupConsumer(GROUP_ID, "aiaas-worker-" + identity.workerId());
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, kafka.maxPollRecords());
        props.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int)
                kafka.maxPollInterval().toMillis());
        this.consumerProperties = Map.copyOf(props);
        this.pollTimeout = kafka.pollTimeout();
        this.commitInterval = kafka.commitInterval();
        this.backoff = new Backoff(kafka.retryBackoff(), kafka.retryBackoffMax());
    }

    public synchronized void start() {
        if (thread != null) {
            return;
        }
        Thread t = new Thread(this::run, "aiaas-job-intake");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    /** Stops polling: commits what is done and leaves the group; records not yet claimed go to other workers. */
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

    /** When the intake thread last came back from a poll or a pause (liveness). */
    public Instant lastPoll() {
        Thread t = thread;
        return t == null || t.isAlive() || stopping ? lastPoll : Instant.EPOCH;
    }

    /** Whether it is a member of the group and polls without failing (readiness). */
    public boolean consuming() {
        return consuming && !stopping;
    }

    /** Whether its partitions are paused because the executors are full. */
    public boolean paused() {
        return paused;
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
                LOG.errorf("job intake failed (%s); a new consumer starts in %s", e.toString(), pause);
                LOG.debug("job intake failure", e);
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
        LOG.info("job intake stopped");
    }

    private void consume() {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerProperties)) {
            consumer.subscribe(List.of(Topics.JOBS), new Rebalance(consumer));
            long nextCommit = 0;
            while (!stopping) {
                handOverHeld();
                adjustPause(consumer);
                Iterable<ConsumerRecord<String, byte[]>> records;
                try {
                    records = consumer.poll(paused ? PAUSED_POLL : pollTimeout);
                } catch (RecordDeserializationException e) {
                    // Only keys are deserialised by the client; such a record can never be read.
                    LOG.warnf("skipping an unreadable record at %s offset %d", e.topicPartition(), e.offset());
                    consumer.seek(e.topicPartition(), e.offset() + 1);
                    continue;
                }
                lastPoll = Instant.now();
                consuming = true;
                consecutiveFailures = 0;
                for (ConsumerRecord<String, byte[]> record : records) {
                    take(record);
                }
                if (System.nanoTime() >= nextCommit) {
                    commit(consumer, false);
                    nextCommit = System.nanoTime() + commitInterval.toNanos();
                }
            }
            commit(consumer, true);
        } finally {
            consuming = false;
            held.clear();
            offsets.clear();
        }
    }

    private void take(ConsumerRecord<String, byte[]> record) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        PartitionOffsets partitionOffsets = offsets.computeIfAbsent(partition, p -> new PartitionOffsets());
        long offset = record.offset();
        partitionOffsets.handedOut(offset);
        JobRequest job;
        try {
            job = JobRecords.dispatched(record);
        } catch (Exception e) {
            LOG.warnf(
                    "skipping an unreadable job record at %s offset %d (%s)",
                    partition, offset, e.getClass().getSimpleName());
            partitionOffsets.done(offset);
            return;
        }
        JobTicket ticket = new JobTicket(job, record.headers(), () -> partitionOffsets.done(offset));
        if (!held.isEmpty() || !execution.offer(ticket)) {
            held.addLast(new Held(partition, ticket));
        }
    }

    private void handOverHeld() {
        while (!held.isEmpty() && execution.offer(held.peekFirst().ticket())) {
            held.removeFirst();
        }
    }

    private void adjustPause(KafkaConsumer<String, byte[]> consumer) {
        if (!held.isEmpty()) {
            if (!paused || !consumer.paused().containsAll(consumer.assignment())) {
                consumer.pause(consumer.assignment());
                if (!paused) {
                    LOG.debugf("executors full: intake paused with %d records waiting", held.size());
                }
                paused = true;
            }
        } else if (paused) {
            consumer.resume(consumer.paused());
            paused = false;
            LOG.debug("executors have room: intake resumed");
        }
    }

    /** Commits each partition's contiguous done offsets (asynchronously while running, synchronously on the way out). */
    private void commit(KafkaConsumer<String, byte[]> consumer, boolean sync) {
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        offsets.forEach((partition, partitionOffsets) -> {
            long next = partitionOffsets.toCommit();
            if (next >= 0) {
                commit.put(partition, new OffsetAndMetadata(next));
            }
        });
        if (commit.isEmpty()) {
            return;
        }
        if (sync) {
            try {
                consumer.commitSync(commit);
                commit.forEach((p, o) ->
                        offsets.getOrDefault(p, new PartitionOffsets()).committed(o.offset()));
            } catch (RuntimeException e) {
                LOG.warnf("committing job offsets failed (%s); those records will be claimed again", e.toString());
            }
            return;
        }
        consumer.commitAsync(commit, (done, failure) -> {
            if (failure != null) {
                LOG.debugf("committing job offsets failed (%s); the next commit covers them", failure.toString());
                return;
            }
            done.forEach((p, o) -> {
                PartitionOffsets partitionOffsets = offsets.get(p);
                if (partitionOffsets != null) {
                    partitionOffsets.committed(o.offset());
                }
            });
        });
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        private final KafkaConsumer<String, byte[]> consumer;

        Rebalance(KafkaConsumer<String, byte[]> consumer) {
            this.consumer = consumer;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // What is done is committed before another worker takes over; jobs already claimed run on (their leases
            // are theirs), and their records' new owner gets proceed:false.
            commit(consumer, true);
            forget(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            forget(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (paused) {
                consumer.pause(partitions);
            }
        }

        private void forget(Collection<TopicPartition> partitions) {
            partitions.forEach(offsets::remove);
            held.removeIf(h -> partitions.contains(h.partition()));
        }
    }
}
