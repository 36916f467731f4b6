package io.aiaas.worker.service;

import io.aiaas.common.events.JobRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A job this worker holds the lease of: the attempt its claim answered, the deadline of its {@code maxRuntimeSeconds}
 * and the flags that stop it at its next step (cancelled by the tenant, lost to model-service, handed back).
 */
public final class RunningJob {
    /** Why a job stops before it ends by itself. */
    public enum Stop {
        /** The tenant cancelled it: it ends {@code cancelled}, billed for what it used. */
        CANCELLED,
        /** model-service no longer counts it as ours: it publishes nothing. */
        LOST,
        /** Handed back to model-service (shutdown): it publishes nothing. */
        RELEASED,
        /** Over {@code maxRuntimeSeconds}: it ends {@code failed} / {@code timeout}. */
        TIMEOUT
    }

    private final JobRequest job;
    private final int attempt;
    private final Instant claimedAt;
    private final Instant deadline;
    private volatile Map<String, String> headers;
    private final AtomicInteger seq = new AtomicInteger();
    private volatile boolean cancelRequested;
    private volatile boolean lost;
    private volatile boolean released;
    /** A batch job's rows whose output model-service has stored: a run (or a rerun after a failure) resumes there. */
    private volatile long rowsStored;

    /**
     * @param deadline when its {@code maxRuntimeSeconds} run out (null: no limit given)
     * @param headers what its records carry ({@code x-request-id}, the trace context of its processing)
     */
    public RunningJob(JobRequest job, int attempt, Instant claimedAt, Instant deadline, Map<String, String> headers) {
        this.job = job;
        this.attempt = attempt;
        this.claimedAt = claimedAt;
        this.deadline = deadline;
        this.headers = Map.copyOf(headers);
    }

    public JobRequest job() {
        return job;
    }

    public String jobId() {
        return job.jobId();
    }

    public int attempt() {
        return attempt;
    }

    public Instant claimedAt() {
        return claimedAt;
    }

    public long rowsStored() {
        return rowsStored;
    }

    /** Records that model-service stored the output up to {@code rows} (the claim's checkpoint, then each part). */
    public void stored(long rows) {
        rowsStored = rows;
    }

    /** Whether the tenant asked to cancel it. */
    public boolean cancelRequested() {
        return cancelRequested;
    }

    public Map<String, String> headers() {
        return headers;
    }

    /** Adds the trace context of the job's processing span, once its run starts (it is claimed before). */
    public void traced(Map<String, String> traceHeaders) {
        Map<String, String> merged = new java.util.LinkedHashMap<>(headers);
        merged.putAll(traceHeaders);
        headers = Map.copyOf(merged);
    }

    /** The next event id of this attempt: {@code <jobId>-<attempt>-<seq>}, seq from 1. */
    public String nextEventId() {
        return job.jobId() + "-" + attempt + "-" + seq.incrementAndGet();
    }

    /** The tenant asked to cancel (control topic or heartbeat answer). */
    public void cancel() {
        cancelRequested = true;
        wake();
    }

    /** model-service did not renew the lease. */
    public void lose() {
        lost = true;
        wake();
    }

    /** Handed back to model-service: whatever the run still yields is dropped. */
    public void release() {
        released = true;
        wake();
    }

    /** Whether its results must not be published (lost or handed back). */
    public boolean dropped() {
        return lost || released;
    }

    /** Why it must stop now, or null to go on. */
    public Stop stop(Instant now) {
        if (released) {
            return Stop.RELEASED;
        }
        if (lost) {
            return Stop.LOST;
        }
        if (cancelRequested) {
            return Stop.CANCELLED;
        }
        if (overDeadline(now)) {
            return Stop.TIMEOUT;
        }
        return null;
    }

    public boolean overDeadline(Instant now) {
        return deadline != null && now.isAfter(deadline);
    }

    /** Waits up to {@code pause}, or less when a flag is set or the deadline comes first. */
    public synchronized void pause(Duration pause) throws InterruptedException {
        long waitMillis = pause.toMillis();
        if (deadline != null) {
            waitMillis = Math.min(
                    waitMillis,
                    Math.max(1, Duration.between(Instant.now(), deadline).toMillis() + 1));
        }
        if (stop(Instant.now()) == null && waitMillis > 0) {
            wait(waitMillis);
        }
    }

    private synchronized void wake() {
        notifyAll();
    }
}
