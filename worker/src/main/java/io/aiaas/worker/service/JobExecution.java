package io.aiaas.worker.service;

import io.aiaas.common.events.JobError;
import io.aiaas.common.events.JobRequest;
import io.aiaas.common.events.JobType;
import io.aiaas.common.events.JobUsage;
import io.aiaas.common.events.Topics;
import io.aiaas.common.events.UsageData;
import io.aiaas.common.http.RequestIds;
import io.aiaas.messaging.Backoff;
import io.aiaas.messaging.trace.KafkaTracing;
import io.aiaas.worker.client.ArtifactUnavailableException;
import io.aiaas.worker.client.ClaimResult;
import io.aiaas.worker.client.ModelServiceClient;
import io.aiaas.worker.client.ModelServiceUnavailableException;
import io.aiaas.worker.client.Release;
import io.aiaas.worker.config.WorkerConfig;
import io.aiaas.worker.config.WorkerIdentity;
import io.aiaas.worker.inference.ComputeDevice;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.header.Header;
import org.jboss.logging.Logger;

/**
 * The executors jobs run on: one bounded pool for inference and one for training, each with its own concurrency. A
 * record taken gets a place in its kind's pool; a few claim threads claim what waits at model-service, all of it in one
 * call (so under load a claim costs one round trip and one transaction for many jobs, and claims never occupy a
 * thread that could run a job); a job the claim lets proceed is running from then on (its lease renewed by heartbeats,
 * cancellation reaching it) and runs on its pool, which hands the outcome to {@link JobResults}. While model-service or the artifact store fail it retries with backoff, holding the lease (no
 * attempt burns), and releases the job ({@code platform}) when they stay down; a model that does not load releases it
 * as {@code error}. A cancelled, lost or timed-out job stops at its next step (inline inference: before it runs).
 */
@Singleton
public class JobExecution {
    private static final Logger LOG = Logger.getLogger(JobExecution.class);

    private final WorkerIdentity identity;
    private final ModelServiceClient modelService;
    private final JobDispatcher dispatcher;
    private final RunningJobs running;
    private final JobResults results;
    private final KafkaTracing tracing;
    private final ComputeDevice device;
    private final WorkerMetrics metrics;
    private final Backoff claimBackoff;
    private final Backoff platformBackoff;
    private final Duration platformGiveUp;
    private final Pool inference;
    private final Pool training;
    /** Records with a place in their pool, waiting for their claim. */
    private final LinkedBlockingQueue<Unclaimed> unclaimed = new LinkedBlockingQueue<>();

    private final ExecutorService claimers;
    private volatile boolean stopping;

    /** Claim calls at once: one stalled call (a slow model-service) does not hold back the claims behind it. */
    static final int CLAIMERS = 4;
    /** Jobs claimed in one call at most. */
    static final int MAX_CLAIM = 500;

    private record Unclaimed(JobTicket ticket, Pool pool) {}

    /** One kind's threads, and permits for the tasks it may hold (running and waiting). */
    private static final class Pool {
        final ExecutorService threads;
        final Semaphore room;
        final int capacity;

        Pool(String name, int concurrency, int capacity) {
            AtomicInteger n = new AtomicInteger();
            this.threads = new ThreadPoolExecutor(
                    concurrency, concurrency, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
                        Thread t = new Thread(r, "aiaas-" + name + "-" + n.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
            this.room = new Semaphore(capacity);
            this.capacity = capacity;
        }
    }

    public JobExecution(
            WorkerConfig config,
            WorkerIdentity identity,
            ModelServiceClient modelService,
            JobDispatcher dispatcher,
            RunningJobs running,
            JobResults results,
            KafkaTracing tracing,
            ComputeDevice device,
            WorkerMetrics metrics) {
        this.identity = identity;
        this.modelService = modelService;
        this.dispatcher = dispatcher;
        this.running = running;
        this.results = results;
        this.tracing = tracing;
        this.device = device;
        this.metrics = metrics;
        this.claimBackoff =
                new Backoff(config.kafka().retryBackoff(), config.kafka().retryBackoffMax());
        this.platformBackoff = new Backoff(
                config.platformRetry().backoff(), config.platformRetry().backoffMax());
        this.platformGiveUp = config.platformRetry().giveUpAfter();
        WorkerConfig.Concurrency concurrency = config.concurrency();
        int inferenceThreads =
                Math.max(1, concurrency.inference().orElse(Runtime.getRuntime().availableProcessors()));
        int trainingThreads = Math.max(1, concurrency.training());
        int factor = 1 + Math.max(0, concurrency.queueFactor());
        this.inference = new Pool("inference", inferenceThreads, inferenceThreads * factor);
        // A claimed training job never waits for a thread: it would hold a lease and show running for hours.
        this.training = new Pool("training", trainingThreads, trainingThreads);
        AtomicInteger n = new AtomicInteger();
        this.claimers = Executors.newFixedThreadPool(CLAIMERS, r -> {
            Thread t = new Thread(r, "aiaas-claims-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        for (int i = 0; i < CLAIMERS; i++) {
            claimers.execute(this::claimLoop);
        }
    }

    /**
     * Takes a dispatch record if its kind's executor has room.
     *
     * @return false when it is full: the intake keeps the record and pauses
     */
    public boolean offer(JobTicket ticket) {
        if (stopping) {
            return false;
        }
        Pool pool = ticket.dispatched().type() == JobType.TRAINING ? training : inference;
        if (!pool.room.tryAcquire()) {
            return false;
        }
        unclaimed.add(new Unclaimed(ticket, pool));
        return true;
    }

    /** Jobs taken and not yet over, running or waiting for a thread. */
    public int inFlight() {
        return inference.capacity
                - inference.room.availablePermits()
                + training.capacity
                - training.room.availablePermits();
    }

    /** Stops taking jobs; tasks not yet claimed end without claiming (their records come again). */
    public void stopTaking() {
        stopping = true;
    }

    /** Waits until every task ended or {@code timeout} passed; true when all ended. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        while (inFlight() > 0) {
            if (System.nanoTime() > until) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    public void shutdownNow() {
        claimers.shutdownNow();
        inference.threads.shutdownNow();
        training.threads.shutdownNow();
    }

    /** A claim thread: takes what waits (one record, or all of them under load) and claims it in one call. */
    private void claimLoop() {
        try {
            while (true) {
                List<Unclaimed> batch = new ArrayList<>();
                batch.add(unclaimed.take());
                unclaimed.drainTo(batch, MAX_CLAIM - 1);
                try {
                    claimAndStart(batch);
                } catch (RuntimeException | LinkageError e) {
                    LOG.errorf(e, "claiming %d jobs failed", batch.size());
                    batch.forEach(u -> u.pool().room.release());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void claimAndStart(List<Unclaimed> batch) throws InterruptedException {
        Map<String, Unclaimed> byJob = new LinkedHashMap<>();
        for (Unclaimed u : batch) {
            if (byJob.putIfAbsent(u.ticket().dispatched().jobId(), u) != null) {
                // The same record twice (a redelivery): one claim, and the copy is done.
                u.ticket().claimAnswered().run();
                u.pool().room.release();
            }
        }
        // One job's claim carries its request id; a batch's gets one of its own.
        String requestId = byJob.size() == 1
                ? RequestIds.acceptOrCreate(batch.get(0).ticket().dispatched().requestId())
                : RequestIds.acceptOrCreate(null);
        Map<String, ClaimResult> answers = claim(List.copyOf(byJob.keySet()), requestId);
        if (answers == null) {
            // stopping before an answer: the records were not committed and come again
            byJob.values().forEach(u -> u.pool().room.release());
            return;
        }
        for (Unclaimed u : byJob.values()) {
            JobTicket ticket = u.ticket();
            ticket.claimAnswered().run();
            ClaimResult claim = answers.get(ticket.dispatched().jobId());
            if (!claim.proceed()) {
                LOG.debugf("job %s not to run (status %s)", ticket.dispatched().jobId(), claim.status());
                u.pool().room.release();
                continue;
            }
            RunningJob held = hold(ticket, claim);
            try {
                u.pool().threads.execute(() -> {
                    try {
                        runTraced(ticket, held);
                    } finally {
                        u.pool().room.release();
                    }
                });
            } catch (RejectedExecutionException e) {
                // shut down: the lease lapses and the job runs elsewhere
                running.remove(held);
                u.pool().room.release();
            }
        }
    }

    /** A job the claim let proceed: running here from now on (heartbeats renew its lease, cancellation reaches it). */
    private RunningJob hold(JobTicket ticket, ClaimResult claim) {
        JobRequest job = claim.job() != null ? claim.request() : ticket.dispatched();
        Instant claimedAt = Instant.now();
        Integer maxRuntime = claim.maxRuntimeSeconds();
        Instant deadline = maxRuntime == null ? null : claimedAt.plusSeconds(maxRuntime);
        RunningJob held = new RunningJob(job, claim.attempt(), claimedAt, deadline, requestIdHeader(ticket, job));
        held.stored(claim.checkpointRows());
        running.add(held);
        return held;
    }

    private void runTraced(JobTicket ticket, RunningJob held) {
        try {
            tracing.inConsumerSpan(Topics.JOBS, tracing.extract(ticket.recordHeaders()), () -> {
                held.traced(tracing.currentHeaders());
                run(held);
                return null;
            });
        } catch (Exception | LinkageError e) {
            LOG.errorf(e, "job %s: the task failed", held.jobId());
        }
    }

    private void run(RunningJob held) throws InterruptedException {
        try {
            execute(held);
        } catch (RuntimeException | LinkageError e) {
            LOG.errorf(e, "job %s failed", held.jobId());
            finish(held, JobOutcome.failed(JobFailedException.INTERNAL, "The worker failed to run the job."));
        }
    }

    /** Claims until model-service answers; null when the worker stops first. */
    private Map<String, ClaimResult> claim(List<String> jobIds, String requestId) throws InterruptedException {
        int failures = 0;
        while (!stopping) {
            try {
                return modelService.claimAll(jobIds, requestId);
            } catch (ModelServiceUnavailableException e) {
                metrics.jobRetried();
                Duration pause = claimBackoff.after(++failures);
                LOG.warnf("cannot claim %d jobs now (%s); again in %s", jobIds.size(), e.getMessage(), pause);
                Thread.sleep(pause.toMillis());
            }
        }
        return null;
    }

    private void execute(RunningJob job) throws InterruptedException {
        Instant giveUp = Instant.now().plus(platformGiveUp);
        int failures = 0;
        while (true) {
            RunningJob.Stop stop = job.stop(Instant.now());
            if (stop != null) {
                stopped(job, stop);
                return;
            }
            try {
                JobOutcome outcome = dispatcher.run(job);
                if (job.overDeadline(Instant.now())) {
                    outcome = timeout(job);
                }
                finish(job, outcome);
                return;
            } catch (ModelServiceUnavailableException e) {
                metrics.jobRetried();
                if (Instant.now().isAfter(giveUp)) {
                    LOG.warnf("job %s: model-service keeps failing (%s); releasing it", job.jobId(), e.getMessage());
                    release(job, Release.PLATFORM, null);
                    return;
                }
                Duration pause = platformBackoff.after(++failures);
                LOG.infof("job %s waits for model-service (%s); again in %s", job.jobId(), e.getMessage(), pause);
                job.pause(pause);
            } catch (ArtifactUnavailableException e) {
                LOG.warnf("job %s: %s; releasing it as an error", job.jobId(), e.getMessage());
                release(job, Release.ERROR, new JobError(JobFailedException.INTERNAL, e.getMessage()));
                return;
            }
        }
    }

    private void stopped(RunningJob job, RunningJob.Stop stop) {
        switch (stop) {
            case CANCELLED -> finish(job, cancelled(job));
            case TIMEOUT -> finish(job, timeout(job));
            case LOST, RELEASED -> {
                LOG.infof("job %s stops (%s); publishing nothing", job.jobId(), stop);
                running.remove(job);
            }
        }
    }

    /**
     * Hands the job back. A release model-service did not take leaves the lease to lapse (the sweeper then counts the
     * attempt): the job is not lost either way.
     */
    public void release(RunningJob job, String reason, JobError error) {
        job.release();
        try {
            modelService.release(
                    job.jobId(),
                    job.job().tenantId(),
                    job.job().requestId(),
                    new Release(identity.workerId(), job.attempt(), reason, error));
            LOG.infof("job %s attempt %d released (%s)", job.jobId(), job.attempt(), reason);
        } catch (ModelServiceUnavailableException e) {
            LOG.warnf("job %s could not be released (%s); its lease will lapse", job.jobId(), e.getMessage());
        } finally {
            running.remove(job);
        }
    }

    private JobOutcome timeout(RunningJob job) {
        return JobOutcome.failed(JobFailedException.TIMEOUT, "The job ran longer than its maxRuntimeSeconds.");
    }

    /** A cancelled job is billed for what it used: inline inference stops before it runs, so nothing. */
    private JobOutcome cancelled(RunningJob job) {
        JobRequest request = job.job();
        String deviceName = device.name();
        return new JobOutcome.Cancelled(
                new JobUsage(0, 0, 0, deviceName),
                new UsageData(
                        request.tenantId(),
                        request.jobId(),
                        request.requestId(),
                        request.model() != null ? request.model() : request.modelId(),
                        request.version(),
                        deviceName,
                        0,
                        0,
                        0));
    }

    /** Hands the outcome to the publisher; a lost or released job's outcome is dropped. */
    private void finish(RunningJob job, JobOutcome outcome) {
        if (job.dropped()) {
            running.remove(job);
            return;
        }
        results.publish(JobResult.of(job, outcome, identity.workerId(), Instant.now()));
    }

    /** The record's {@code x-request-id}, else the job's; the trace context joins when the run starts. */
    private static Map<String, String> requestIdHeader(JobTicket ticket, JobRequest job) {
        Map<String, String> headers = new LinkedHashMap<>();
        Header requestId = ticket.recordHeaders().lastHeader(Topics.HEADER_REQUEST_ID);
        if (requestId != null) {
            headers.put(Topics.HEADER_REQUEST_ID, new String(requestId.value(), StandardCharsets.UTF_8));
        } else if (job.requestId() != null) {
            headers.put(Topics.HEADER_REQUEST_ID, job.requestId());
        }
        return headers;
    }
}
