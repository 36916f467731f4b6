package io.aiaas.worker.messaging;

import io.aiaas.common.events.JobEvent;
import io.aiaas.common.events.JobRequest;
import io.aiaas.common.events.UsageEvent;
import io.aiaas.common.json.Json;
import io.aiaas.worker.client.ClaimResult;
import io.aiaas.worker.client.ModelServiceClient;
import io.aiaas.worker.client.ModelServiceUnavailableException;
import io.aiaas.worker.client.ServiceTokens;
import io.aiaas.worker.config.WorkerConfig;
import io.aiaas.worker.config.WorkerIdentity;
import io.aiaas.worker.inference.ComputeDevice;
import io.aiaas.worker.service.JobDispatcher;
import io.aiaas.worker.service.JobFailedException;
import io.aiaas.worker.service.JobOutcome;
import io.aiaas.worker.service.WorkerMetrics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.jboss.logging.Logger;

/**
 * The worker's job loop on a dedicated thread: consume a job, claim it at model-service, publish {@code running} in a
 * short transaction, run it outside any transaction, then commit the terminal event, the usage event and the consumed
 * offset in one transaction. Anything transient leaves the job's offset uncommitted and the record is consumed again
 * after a pause (at least once; the claim's attempt counter and model-service's event rules make it take effect once).
 */
@Singleton
public class JobConsumer {
    private static final Logger LOG = Logger.getLogger(JobConsumer.class);
    /** Leaves room for the envelope and headers when a result is checked against the record size limit. */
    private static final int RESULT_HEADROOM_BYTES = 64 * 1024;

    private enum Disposition {
        DONE,
        RETRY
    }

    /** The producer can no longer be used (fenced, or a fatal error): both clients are recreated. */
    private static final class FatalProducerException extends RuntimeException {
        FatalProducerException(Throwable cause) {
            super(cause);
        }
    }

    private final KafkaSettings settings;
    private final WorkerConfig config;
    private final WorkerIdentity identity;
    private final ServiceTokens tokens;
    private final ModelServiceClient modelService;
    private final JobDispatcher dispatcher;
    private final ComputeDevice device;
    private final WorkerMetrics metrics;

    private volatile boolean running;
    private volatile Thread thread;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile boolean transactionsReady;
    private KafkaProducer<String, String> producer;
    private int consecutiveRetries;

    public JobConsumer(
            KafkaSettings settings,
            WorkerConfig config,
            WorkerIdentity identity,
            ServiceTokens tokens,
            ModelServiceClient modelService,
            JobDispatcher dispatcher,
            ComputeDevice device,
            WorkerMetrics metrics) {
        this.settings = settings;
        this.config = config;
        this.identity = identity;
        this.tokens = tokens;
        this.modelService = modelService;
        this.dispatcher = dispatcher;
        this.device = device;
        this.metrics = metrics;
    }

    void onStart(@Observes StartupEvent event) {
        tokens.check();
        running = true;
        Thread t = new Thread(this::loop, "aiaas-job-consumer");
        t.setDaemon(false);
        thread = t;
        t.start();
        LOG.infof("worker %s consuming %s", identity.workerId(), settings.topic());
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        Thread t = thread;
        if (t != null) {
            try {
                t.join(Duration.ofSeconds(30).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                LOG.warn("the job loop did not stop within 30 s");
            }
        }
    }

    /** Whether the loop thread runs (liveness). */
    public boolean alive() {
        Thread t = thread;
        return t != null && t.isAlive();
    }

    /** Whether the transactional producer is initialised and the loop polls (part of readiness). */
    public boolean transactionsReady() {
        return transactionsReady && alive();
    }

    private void loop() {
        // Loads the TensorFlow natives and decides the device before the first job.
        device.name();
        while (running) {
            try {
                runClients();
            } catch (WakeupException e) {
                // shutting down
            } catch (RuntimeException e) {
                if (running) {
                    LOG.errorf("job loop failed (%s); restarting its Kafka clients", e.toString());
                    LOG.debug("job loop failure", e);
                    pause(backoff());
                }
            }
        }
        LOG.info("job loop stopped");
    }

    private void runClients() {
        transactionsReady = false;
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(settings.consumer());
                KafkaProducer<String, String> p = new KafkaProducer<>(settings.producer())) {
            consumer = c;
            producer = p;
            initTransactions(p);
            transactionsReady = true;
            c.subscribe(List.of(settings.topic()));
            while (running) {
                ConsumerRecords<String, byte[]> records = c.poll(config.kafka().pollTimeout());
                processBatch(c, records);
            }
        } finally {
            transactionsReady = false;
            consumer = null;
            producer = null;
        }
    }

    private void initTransactions(KafkaProducer<String, String> p) {
        while (running) {
            try {
                p.initTransactions();
                return;
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                LOG.warnf("Kafka transactions not ready yet (%s); retrying", e.getMessage());
            }
        }
        throw new WakeupException();
    }

    private void processBatch(KafkaConsumer<String, byte[]> c, ConsumerRecords<String, byte[]> records) {
        Set<TopicPartition> finished = new HashSet<>();
        for (TopicPartition partition : records.partitions()) {
            for (ConsumerRecord<String, byte[]> record : records.records(partition)) {
                if (!running) {
                    return; // nothing committed past this record: it is consumed again after a restart
                }
                Disposition disposition = handle(c, partition, record);
                if (disposition == Disposition.RETRY) {
                    metrics.jobRetried();
                    seekBack(c, records, finished, partition, record.offset());
                    pause(backoff());
                    return;
                }
                consecutiveRetries = 0;
            }
            finished.add(partition);
        }
    }

    /** Rewinds every partition of the batch that is not finished to its first record not yet done. */
    private static void seekBack(
            KafkaConsumer<String, byte[]> c,
            ConsumerRecords<String, byte[]> records,
            Set<TopicPartition> finished,
            TopicPartition current,
            long currentOffset) {
        // A partition lost to a rebalance meanwhile is someone else's now: its uncommitted records go to them.
        Set<TopicPartition> assigned = c.assignment();
        for (TopicPartition partition : records.partitions()) {
            if (!assigned.contains(partition)) {
                continue;
            }
            if (partition.equals(current)) {
                c.seek(partition, currentOffset);
            } else if (!finished.contains(partition)) {
                c.seek(partition, records.records(partition).get(0).offset());
            }
        }
    }

    private Disposition handle(
            KafkaConsumer<String, byte[]> c, TopicPartition partition, ConsumerRecord<String, byte[]> record) {
        Map<TopicPartition, OffsetAndMetadata> next = Map.of(partition, new OffsetAndMetadata(record.offset() + 1));
        JobRequest job = parse(record);
        if (job == null) {
            return transaction(() -> producer.sendOffsetsToTransaction(next, c.groupMetadata()), "skip malformed")
                    ? Disposition.DONE
                    : Disposition.RETRY;
        }

        ClaimResult claim;
        try {
            claim = modelService.claim(job.jobId(), job.tenantId(), job.requestId());
        } catch (ModelServiceUnavailableException e) {
            LOG.warnf("cannot claim job %s now: %s", job.jobId(), e.getMessage());
            return Disposition.RETRY;
        }
        if (!claim.proceed()) {
            LOG.infof("job %s not to run (status %s, attempt %d)", job.jobId(), claim.status(), claim.attempt());
            return transaction(() -> producer.sendOffsetsToTransaction(next, c.groupMetadata()), "skip " + job.jobId())
                    ? Disposition.DONE
                    : Disposition.RETRY;
        }

        int attempt = claim.attempt();
        List<Header> headers = JobRecords.propagated(record, job);
        JobEvent running = JobRecords.running(job, attempt, identity.workerId(), Instant.now());
        if (!transaction(() -> producer.send(JobRecords.jobEvent(running, headers)), "running " + job.jobId())) {
            return Disposition.RETRY;
        }

        JobOutcome outcome;
        try {
            outcome = dispatcher.run(job);
        } catch (ModelServiceUnavailableException e) {
            LOG.warnf("job %s must wait: %s", job.jobId(), e.getMessage());
            return Disposition.RETRY;
        }
        JobEvent terminal = boundedTerminal(job, attempt, outcome);
        boolean success = terminal.status() == io.aiaas.common.events.JobStatus.SUCCEEDED;
        boolean committed = transaction(
                () -> {
                    producer.send(JobRecords.jobEvent(terminal, headers));
                    if (success) {
                        JobOutcome.Succeeded ok = (JobOutcome.Succeeded) outcome;
                        UsageEvent usage = UsageEvent.forJob(job.jobId(), job.type(), ok.billed(), terminal.at());
                        producer.send(JobRecords.usage(usage, headers));
                    }
                    producer.sendOffsetsToTransaction(next, c.groupMetadata());
                },
                "result of " + job.jobId());
        if (!committed) {
            return Disposition.RETRY;
        }
        String type = job.type() == null ? "unknown" : job.type().wire();
        metrics.jobProcessed(type, terminal.status().wire());
        if (!success) {
            metrics.jobFailed(type, terminal.error().type());
        }
        LOG.infof(
                "job %s attempt %d %s", job.jobId(), attempt, terminal.status().wire());
        return Disposition.DONE;
    }

    /** The terminal event, or a failure in its place when the result would not fit in one record. */
    private JobEvent boundedTerminal(JobRequest job, int attempt, JobOutcome outcome) {
        Instant now = Instant.now();
        JobEvent event = JobRecords.terminal(job, attempt, outcome, identity.workerId(), now);
        if (outcome instanceof JobOutcome.Succeeded
                && Json.write(event).getBytes(StandardCharsets.UTF_8).length
                        > KafkaSettings.MAX_REQUEST_BYTES - RESULT_HEADROOM_BYTES) {
            return JobRecords.terminal(
                    job,
                    attempt,
                    JobOutcome.failed(
                            JobFailedException.UNPROCESSABLE,
                            "The result is too large to return inline; use a batch inference job."),
                    identity.workerId(),
                    now);
        }
        return event;
    }

    private static JobRequest parse(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            LOG.warnf("skipping an empty job record at %s-%d@%d", record.topic(), record.partition(), record.offset());
            return null;
        }
        try {
            JobRequest job = Json.mapper().readValue(record.value(), JobRequest.class);
            if (job.jobId() == null || job.jobId().isBlank() || job.type() == null) {
                throw new IOException("no jobId or type");
            }
            return job;
        } catch (IOException | IllegalArgumentException e) {
            LOG.warnf(
                    "skipping a malformed job record at %s-%d@%d: %s",
                    record.topic(), record.partition(), record.offset(), e.getMessage());
            return null;
        }
    }

    /**
     * Runs {@code body} in a Kafka transaction. Returns false when it was aborted (the caller retries later).
     *
     * @throws FatalProducerException when the producer is fenced or broken: the clients are recreated
     */
    private boolean transaction(Runnable body, String what) {
        try {
            producer.beginTransaction();
            body.run();
            producer.commitTransaction();
            return true;
        } catch (ProducerFencedException
                | OutOfOrderSequenceException
                | AuthorizationException
                | UnsupportedVersionException e) {
            throw new FatalProducerException(e);
        } catch (KafkaException e) {
            LOG.warnf("transaction for %s aborted: %s", what, e.toString());
            try {
                producer.abortTransaction();
            } catch (KafkaException abortFailure) {
                throw new FatalProducerException(abortFailure);
            }
            return false;
        }
    }

    private Duration backoff() {
        long base = config.kafka().retryBackoff().toMillis();
        long max = config.kafka().retryBackoffMax().toMillis();
        int exponent = Math.min(consecutiveRetries++, 16);
        return Duration.ofMillis(Math.min(max, base << exponent));
    }

    private void pause(Duration duration) {
        long until = System.nanoTime() + duration.toNanos();
        while (running && System.nanoTime() < until) {
            try {
                Thread.sleep(Math.min(100, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
