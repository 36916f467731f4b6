package io.aiaas.worker.messaging;

import io.aiaas.messaging.Backoff;
import io.aiaas.messaging.KafkaSettings;
import io.aiaas.worker.config.WorkerConfig;
import io.aiaas.worker.config.WorkerIdentity;
import io.aiaas.worker.service.JobResult;
import io.aiaas.worker.service.JobResults;
import io.aiaas.worker.service.RunningJobs;
import io.aiaas.worker.service.WorkerMetrics;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.jboss.logging.Logger;

/**
 * The one thread that owns the worker's transactional producer ({@code aiaas-worker-<workerId>}, stable across
 * restarts, so a restarted worker fences its predecessor). It takes every finished job that is ready and commits their
 * terminal events and usage events in one short transaction: many jobs per commit, so the commit cost is shared. An
 * aborted transaction is tried again after a backoff; a fenced or broken producer is replaced first. A job is removed
 * from {@link RunningJobs} (its lease no longer renewed) only once its result is committed.
 */
@Singleton
public class ResultsPublisher implements JobResults {
    private static final Logger LOG = Logger.getLogger(ResultsPublisher.class);
    private static final Duration TICK = Duration.ofMillis(500);

    private final Supplier<Producer<String, String>> producers;
    private final RunningJobs running;
    private final WorkerMetrics metrics;
    private final int maxPerTransaction;
    private final Backoff backoff;
    private final BlockingQueue<JobResult> ready = new LinkedBlockingQueue<>();
    private volatile boolean stopping;
    private volatile Thread thread;
    private volatile Instant lastTick = Instant.now();
    private volatile boolean producerReady;
    /** Used on the publisher's thread only. */
    private Producer<String, String> producer;

    @Inject
    public ResultsPublisher(
            KafkaSettings settings,
            WorkerConfig config,
            WorkerIdentity identity,
            RunningJobs running,
            WorkerMetrics metrics) {
        this(
                () -> {
                    Map<String, Object> props = settings.transactionalProducer(
                            "aiaas-worker-" + identity.workerId(), identity.transactionalId());
                    props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int)
                            config.kafka().transactionTimeout().toMillis());
                    return new KafkaProducer<>(props);
                },
                running,
                metrics,
                config.kafka().maxResultsPerTransaction(),
                new Backoff(config.kafka().retryBackoff(), config.kafka().retryBackoffMax()));
    }

    ResultsPublisher(
            Supplier<Producer<String, String>> producers,
            RunningJobs running,
            WorkerMetrics metrics,
            int maxPerTransaction,
            Backoff backoff) {
        this.producers = producers;
        this.running = running;
        this.metrics = metrics;
        this.maxPerTransaction = Math.max(1, maxPerTransaction);
        this.backoff = backoff;
    }

    public synchronized void start() {
        if (thread != null) {
            return;
        }
        Thread t = new Thread(this::run, "aiaas-results");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    @Override
    public void publish(JobResult result) {
        ready.add(result);
    }

    /** Publishes what is queued, then stops; waits up to {@code timeout}. */
    public void stop(Duration timeout) {
        stopping = true;
        Thread t = thread;
        if (t == null) {
            return;
        }
        try {
            t.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            LOG.warnf("the results publisher did not finish within %s; %d results unpublished", timeout, ready.size());
            t.interrupt();
        }
    }

    /** Whether the transactional producer is initialised (readiness). */
    public boolean ready() {
        return producerReady;
    }

    /** When the thread last came round its loop (liveness): a commit stuck for long shows here. */
    public Instant lastTick() {
        Thread t = thread;
        return t == null || t.isAlive() ? lastTick : Instant.EPOCH;
    }

    private void run() {
        try {
            while (!stopping || !ready.isEmpty()) {
                lastTick = Instant.now();
                if (producer == null && !openProducer()) {
                    continue;
                }
                JobResult first = ready.poll(TICK.toMillis(), TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                List<JobResult> batch = new ArrayList<>();
                batch.add(first);
                ready.drainTo(batch, maxPerTransaction - 1);
                commit(batch);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeProducer();
            LOG.info("results publisher stopped");
        }
    }

    /** Commits {@code batch} in one transaction, trying again until it is committed (or the worker stops hard). */
    private void commit(List<JobResult> batch) throws InterruptedException {
        int failures = 0;
        while (true) {
            lastTick = Instant.now();
            // A job found lost (or handed back) since it finished publishes nothing.
            batch.removeIf(result -> {
                if (result.job().dropped()) {
                    running.remove(result.job());
                    return true;
                }
                return false;
            });
            if (batch.isEmpty()) {
                return;
            }
            if (producer != null || openProducer()) {
                try {
                    producer.beginTransaction();
                    for (JobResult result : batch) {
                        for (ProducerRecord<String, String> record : JobRecords.of(result)) {
                            producer.send(record);
                        }
                    }
                    producer.commitTransaction();
                    committed(batch);
                    return;
                } catch (ProducerFencedException
                        | OutOfOrderSequenceException
                        | AuthorizationException
                        | UnsupportedVersionException e) {
                    LOG.warnf("the results producer cannot go on (%s); starting a new one", e.toString());
                    closeProducer();
                } catch (KafkaException | IllegalStateException e) {
                    LOG.warnf("committing %d results failed (%s); trying again", batch.size(), e.toString());
                    abort();
                }
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException();
            }
            Thread.sleep(backoff.after(++failures).toMillis());
        }
    }

    private void committed(List<JobResult> batch) {
        for (JobResult result : batch) {
            running.remove(result.job());
            String type = result.job().job().type() == null
                    ? "unknown"
                    : result.job().job().type().wire();
            metrics.jobProcessed(type, result.status().wire());
            if (result.terminal().error() != null) {
                metrics.jobFailed(type, result.terminal().error().type());
            }
            LOG.debugf(
                    "job %s attempt %d %s",
                    result.job().jobId(),
                    result.job().attempt(),
                    result.status().wire());
        }
    }

    private void abort() {
        try {
            producer.abortTransaction();
        } catch (RuntimeException e) {
            closeProducer();
        }
    }

    private boolean openProducer() throws InterruptedException {
        Producer<String, String> p = null;
        try {
            p = producers.get();
            p.initTransactions();
            producer = p;
            producerReady = true;
            return true;
        } catch (RuntimeException e) {
            LOG.warnf("the results producer cannot start (%s); again shortly", e.toString());
            if (p != null) {
                p.close(Duration.ZERO);
            }
            Thread.sleep(backoff.initial().toMillis());
            return false;
        }
    }

    private void closeProducer() {
        producerReady = false;
        if (producer != null) {
            try {
                producer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.debugf("closing the results producer: %s", e);
            }
            producer = null;
        }
    }
}
