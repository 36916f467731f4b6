package io.aiaas.model.service;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.events.JobError;
import io.aiaas.common.events.JobEvent;
import io.aiaas.common.events.JobStatus;
import io.aiaas.common.json.Json;
import io.aiaas.model.domain.Job;
import io.aiaas.model.repository.JobEventSeenRepository;
import io.aiaas.model.repository.JobRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.jboss.logging.Logger;

/**
 * A job's way from {@code queued} to a terminal state, as workers drive it: claims (each a new attempt, bounded by
 * {@code maxAttempts}) and job events. Status only ever moves forward; a terminal job never changes again.
 */
@ApplicationScoped
public class JobLifecycle {
    private static final Logger LOG = Logger.getLogger(JobLifecycle.class);
    static final String EXHAUSTED = "The job failed on every attempt.";

    private final JobRepository jobs;
    private final JobEventSeenRepository seen;
    private final JobEventLog eventLog;

    public JobLifecycle(JobRepository jobs, JobEventSeenRepository seen, JobEventLog eventLog) {
        this.jobs = jobs;
        this.seen = seen;
        this.eventLog = eventLog;
    }

    /**
     * A worker's claim of a job it took from Kafka. {@code callerTenant} (the token's {@code tid}), when present,
     * must be the job's tenant.
     */
    @Transactional
    public ClaimDecision claim(String jobId, String callerTenant) {
        Job job = jobs.lockForWorker(jobId)
                .filter(j -> callerTenant == null || callerTenant.equals(j.tenantId))
                .orElseThrow(() -> ApiException.notFound("No job '" + jobId + "'."));
        JobStatus status = job.jobStatus();
        if (status.terminal() || status == JobStatus.CANCELLING) {
            return new ClaimDecision(false, job.attempt, job.status);
        }
        if (job.attempt >= job.maxAttempts) {
            Instant now = now();
            job.status = JobStatus.FAILED.wire();
            job.error = Json.write(new JobError("internal", EXHAUSTED));
            job.finishedAt = now;
            job.updatedAt = now;
            eventLog.status(job, now);
            LOG.infof("job %s failed after %d attempts", job.id, job.attempt);
            return new ClaimDecision(false, job.attempt, job.status);
        }
        job.attempt++;
        job.updatedAt = now();
        return new ClaimDecision(true, job.attempt, null);
    }

    /**
     * Applies a worker's event if it moves the job forward; returns whether it changed anything. Redeliveries,
     * events of older attempts and anything after a terminal state change nothing.
     */
    @Transactional
    public boolean apply(JobEvent event) {
        if (event.jobId() == null || event.eventId() == null || event.status() == null) {
            LOG.warnf("ignoring an incomplete job event %s", event.eventId());
            return false;
        }
        Job job = jobs.lockForWorker(event.jobId()).orElse(null);
        if (job == null) {
            LOG.warnf("ignoring event %s of unknown job %s", event.eventId(), event.jobId());
            return false;
        }
        if (event.tenantId() != null && !event.tenantId().equals(job.tenantId)) {
            LOG.warnf("ignoring event %s: tenant does not match job %s", event.eventId(), job.id);
            return false;
        }
        if (!seen.markSeen(event.eventId(), job.id, now())) {
            return false;
        }
        JobStatus current = job.jobStatus();
        if (current.terminal() || event.attempt() < job.attempt) {
            return false;
        }
        int order = Integer.compare(rank(event.status()), rank(current));
        if (order < 0 || (order == 0 && (event.status() != JobStatus.RUNNING || event.progress() == null))) {
            return false;
        }
        Instant at = event.at() == null ? now() : event.at().truncatedTo(ChronoUnit.MILLIS);
        boolean statusChanged = event.status() != current;
        job.status = event.status().wire();
        job.attempt = Math.max(job.attempt, event.attempt());
        if (event.progress() != null) {
            job.progress = Json.write(event.progress());
        }
        if (job.startedAt == null && event.status() != JobStatus.QUEUED) {
            job.startedAt = at;
        }
        if (event.status().terminal()) {
            job.finishedAt = at;
            if (event.result() != null) {
                job.result = Json.write(event.result());
            }
            if (event.error() != null) {
                job.error = Json.write(event.error());
            }
            if (event.usage() != null) {
                job.usage = Json.write(event.usage());
            }
        }
        job.updatedAt = now();
        if (statusChanged) {
            eventLog.status(job, at);
        }
        if (event.progress() != null) {
            eventLog.progress(job, at);
        }
        return true;
    }

    @Transactional
    public long forgetSeenEventsBefore(Instant cutoff) {
        return seen.forgetOlderThan(cutoff);
    }

    private static int rank(JobStatus status) {
        return switch (status) {
            case QUEUED -> 0;
            case RUNNING -> 1;
            case CANCELLING -> 2;
            case SUCCEEDED, FAILED, CANCELLED -> 3;
        };
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
