package io.aiaas.model.service;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.events.AuditRecord;
import io.aiaas.common.events.JobControl;
import io.aiaas.common.events.JobDeadLetter;
import io.aiaas.common.events.JobError;
import io.aiaas.common.events.JobEvent;
import io.aiaas.common.events.JobRequest;
import io.aiaas.common.events.JobStatus;
import io.aiaas.common.events.Topics;
import io.aiaas.common.json.Json;
import io.aiaas.model.config.ModelServiceConfig;
import io.aiaas.model.domain.Job;
import io.aiaas.model.repository.JobOutbox;
import io.aiaas.model.repository.JobRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.jboss.logging.Logger;

/**
 * A job's way from {@code queued} to a terminal state: claims (each a new attempt under a lease, bounded by
 * {@code maxAttempts}), releases, lapsed leases, cancellations and the workers' events. Every change happens under the
 * job's row lock; a change that ends a job that held a slot frees it in the same transaction ({@link DispatchSlots}).
 * A terminal job never changes again.
 */
@ApplicationScoped
public class JobLifecycle {
    private static final Logger LOG = Logger.getLogger(JobLifecycle.class);

    static final String EXHAUSTED = "The job failed on every attempt.";
    /** The error type of a job whose result would pass the tenant's {@code storageBytes}. */
    public static final String STORAGE_EXCEEDED = "storage_exceeded";
    /** A claim's status for a job model-service does not know. */
    public static final String UNKNOWN = "unknown";

    /** Why a worker gives a job back. */
    public enum ReleaseReason {
        /** The worker stops (drains); the attempt is not counted. */
        SHUTDOWN,
        /** The platform failed the worker (model-service, the artifact store); the attempt is not counted. */
        PLATFORM,
        /** The job crashed its run (e.g. the model does not load); the attempt counts. */
        ERROR;

        public static ReleaseReason fromWire(String value) {
            return valueOf(value.toUpperCase(Locale.ROOT));
        }
    }

    private final JobRepository jobs;
    private final JobEventLog eventLog;
    private final DispatchSlots slots;
    private final JobOutbox outbox;
    private final ModelServiceConfig config;
    private final Event<OutboxWritten> outboxWritten;
    private final AuditTrail audit;
    private final Event<UnbilledJobEnded> unbilled;

    public JobLifecycle(
            JobRepository jobs,
            JobEventLog eventLog,
            DispatchSlots slots,
            JobOutbox outbox,
            ModelServiceConfig config,
            Event<OutboxWritten> outboxWritten,
            AuditTrail audit,
            Event<UnbilledJobEnded> unbilled) {
        this.unbilled = unbilled;
        this.jobs = jobs;
        this.eventLog = eventLog;
        this.slots = slots;
        this.outbox = outbox;
        this.config = config;
        this.outboxWritten = outboxWritten;
        this.audit = audit;
    }

    /**
     * A worker's claim of a job it read from {@code aiaas.jobs.v1}. Proceeds only for a dispatched {@code queued}
     * job: it becomes {@code running} under a lease held by {@code workerId}. {@code callerTenant} (the token's
     * {@code tid}), when present, must be the job's tenant.
     */
    @Transactional
    public ClaimDecision claim(String jobId, String workerId, String callerTenant) {
        requireWorker(workerId);
        return claimLocked(lockForWorker(jobId, callerTenant), workerId);
    }

    /**
     * Claims of several jobs by one worker, in one transaction: what one poll of {@code aiaas.jobs.v1} brought it.
     * Each job is decided as by {@link #claim}; a job model-service does not know (or of another tenant than
     * {@code callerTenant}, when present) is refused with status {@code unknown}. The rows are locked in id order, so
     * batches that overlap cannot deadlock.
     */
    @Transactional
    public Map<String, ClaimDecision> claimAll(Collection<String> jobIds, String workerId, String callerTenant) {
        requireWorker(workerId);
        Map<String, ClaimDecision> decisions = new LinkedHashMap<>();
        for (Job job : jobs.lockAllForWorker(new TreeSet<>(jobIds))) {
            if (callerTenant == null || callerTenant.equals(job.tenantId)) {
                decisions.put(job.id, claimLocked(job, workerId));
            }
        }
        for (String id : jobIds) {
            decisions.putIfAbsent(id, ClaimDecision.refused(0, UNKNOWN));
        }
        return decisions;
    }

    private static void requireWorker(String workerId) {
        if (workerId == null || workerId.isBlank()) {
            throw ApiException.badRequest("Field 'workerId' is required.");
        }
    }

    private ClaimDecision claimLocked(Job job, String workerId) {
        if (job.jobStatus() != JobStatus.QUEUED || job.dispatchedAt == null) {
            return ClaimDecision.refused(job.attempt, job.status);
        }
        Instant now = now();
        if (job.attempt >= job.maxAttempts) {
            exhausted(job, new JobError("internal", EXHAUSTED), now);
            return ClaimDecision.refused(job.attempt, job.status);
        }
        job.attempt++;
        job.status = JobStatus.RUNNING.wire();
        if (job.startedAt == null) {
            job.startedAt = now;
        }
        job.leaseWorker = workerId;
        job.leaseExpiresAt = now.plus(config.jobs().leaseDuration());
        job.updatedAt = now;
        eventLog.status(job, now);
        return new ClaimDecision(true, job.attempt, null, job.leaseExpiresAt, job.request, job.checkpoint);
    }

    /**
     * A worker gives a job back ({@code POST /internal/v1/jobs/{id}/release}). Changes nothing unless the worker
     * still holds the job's lease for {@code attempt}: a second release, or one after the lease lapsed, is a no-op.
     */
    @Transactional
    public void release(
            String jobId, String workerId, int attempt, ReleaseReason reason, JobError error, String callerTenant) {
        Job job = lockForWorker(jobId, callerTenant);
        JobStatus status = job.jobStatus();
        if ((status != JobStatus.RUNNING && status != JobStatus.CANCELLING)
                || !workerId.equals(job.leaseWorker)
                || attempt != job.attempt) {
            return;
        }
        Instant now = now();
        if (status == JobStatus.CANCELLING) {
            end(job, JobStatus.CANCELLED, null, now);
            return;
        }
        if (reason != ReleaseReason.ERROR) {
            // Not the job's fault: the attempt is given back, so the next claim reuses its number and its events
            // count again from seq 1.
            job.attempt--;
            if (job.appliedAttempt > job.attempt) {
                job.appliedAttempt = job.attempt;
                job.appliedSeq = 0;
            }
        } else if (job.attempt >= job.maxAttempts) {
            exhausted(job, error == null ? new JobError("internal", EXHAUSTED) : error, now);
            return;
        }
        requeue(job, now);
    }

    /**
     * The sweeper found the job's lease lapsed (its worker died or hung): the attempt counts. A {@code running} job
     * with attempts left is dispatched again (it keeps its slot), else it fails; a {@code cancelling} one ends
     * {@code cancelled}. Returns false when the job was not (or no longer) lapsed, or another replica holds it.
     */
    @Transactional
    public boolean lapse(String jobId) {
        Instant now = now();
        Job job = jobs.lockIfLapsed(jobId, now).orElse(null);
        if (job == null) {
            return false;
        }
        LOG.infof("job %s: the lease of worker %s lapsed (attempt %d)", job.id, job.leaseWorker, job.attempt);
        if (job.jobStatus() == JobStatus.CANCELLING) {
            end(job, JobStatus.CANCELLED, null, now);
        } else if (job.attempt >= job.maxAttempts) {
            exhausted(job, new JobError("internal", EXHAUSTED), now);
        } else {
            requeue(job, now);
        }
        return true;
    }

    /**
     * A tenant cancels its job: {@code queued} (dispatched or not) ends {@code cancelled} at once; {@code running}
     * becomes {@code cancelling} and its worker is told; {@code cancelling} stays, and a repeated cancel changes nothing
     * (no second audit record, status event or control record). A finished job is a 409, another tenant's a 404.
     */
    @Transactional
    public Job cancel(String tenantId, String jobId, String actor, String requestId) {
        Job job = jobs.lockOwned(tenantId, jobId).orElseThrow(() -> ApiException.notFound("No job '" + jobId + "'."));
        JobStatus status = job.jobStatus();
        if (status.terminal()) {
            throw ApiException.conflict("Job '" + jobId + "' already ended " + job.status + ".");
        }
        if (status == JobStatus.CANCELLING) {
            return job;
        }
        audit.record(actor, AuditTrail.JOB_CANCEL_REQUESTED, AuditTrail.job(job.id), tenantId, requestId);
        Instant now = now();
        if (status == JobStatus.QUEUED) {
            end(job, JobStatus.CANCELLED, null, now);
        } else if (status == JobStatus.RUNNING) {
            job.status = JobStatus.CANCELLING.wire();
            job.updatedAt = now;
            eventLog.status(job, now);
            outbox.control(new JobControl(JobControl.TYPE_CANCEL, job.id, job.leaseWorker), requestId);
            outboxWritten.fire(new OutboxWritten(Topics.JOB_CONTROL));
        }
        return job;
    }

    /**
     * Ends a job {@code failed} with error type {@code storage_exceeded}: storing its result (a batch output part, a
     * trained version) would pass the tenant's {@code storageBytes}. Its worker, if it still runs it, is told to stop.
     * The caller removes whatever of the result was stored, in the same transaction. A terminal job stays as it is.
     *
     * @return whether the job ended now
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean failStorageExceeded(Job job, String detail) {
        JobStatus status = job.jobStatus();
        if (status.terminal()) {
            return false;
        }
        if (job.leaseWorker != null) {
            outbox.control(new JobControl(JobControl.TYPE_CANCEL, job.id, job.leaseWorker), job.requestId);
            outboxWritten.fire(new OutboxWritten(Topics.JOB_CONTROL));
        }
        end(job, JobStatus.FAILED, new JobError(STORAGE_EXCEEDED, detail), now());
        return true;
    }

    /**
     * Applies several events in one transaction, in the order given: their jobs are locked first, all at once and in
     * id order (one statement, and the same order as batch claims, so the two cannot deadlock).
     */
    @Transactional
    public void applyAll(List<JobEvent> events) {
        TreeSet<String> ids = new TreeSet<>();
        for (JobEvent event : events) {
            if (event.jobId() != null) {
                ids.add(event.jobId());
            }
        }
        jobs.lockAllForWorker(ids);
        events.forEach(this::apply);
    }

    /**
     * Applies a worker's event; returns whether it changed anything. Progress applies to a {@code running} or
     * {@code cancelling} job of the event's attempt when {@code (attempt, seq)} is past the last applied event; a
     * terminal event applies to a job not yet terminal, from any attempt (the first result wins). Anything else, and
     * every redelivery, changes nothing.
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
        JobStatus current = job.jobStatus();
        int seq = seqOf(event);
        Instant at = event.at() == null ? now() : event.at().truncatedTo(ChronoUnit.MILLIS);
        if (event.status().terminal()) {
            if (current.terminal()) {
                return false;
            }
            if (event.progress() != null) {
                job.progress = Json.write(event.progress());
                eventLog.progress(job, at);
            }
            if (event.result() != null) {
                job.result = Json.write(event.result());
            }
            if (event.usage() != null) {
                job.usage = Json.write(event.usage());
            }
            if (job.startedAt == null) {
                job.startedAt = at;
            }
            job.appliedAttempt = event.attempt();
            job.appliedSeq = seq;
            end(job, event.status(), event.error(), at);
            return true;
        }
        boolean progress = event.status() == JobStatus.RUNNING && event.progress() != null;
        boolean leased = current == JobStatus.RUNNING || current == JobStatus.CANCELLING;
        if (!progress || !leased || event.attempt() != job.attempt || !after(event.attempt(), seq, job)) {
            return false;
        }
        job.progress = Json.write(event.progress());
        job.appliedAttempt = event.attempt();
        job.appliedSeq = seq;
        job.updatedAt = now();
        eventLog.progress(job, at);
        return true;
    }

    private Job lockForWorker(String jobId, String callerTenant) {
        return jobs.lockForWorker(jobId)
                .filter(j -> callerTenant == null || callerTenant.equals(j.tenantId))
                .orElseThrow(() -> ApiException.notFound("No job '" + jobId + "'."));
    }

    /** Back to {@code queued} with a new dispatch record; the job keeps its slot ({@code dispatched_at} stays). */
    private void requeue(Job job, Instant now) {
        job.status = JobStatus.QUEUED.wire();
        job.leaseWorker = null;
        job.leaseExpiresAt = null;
        job.updatedAt = now;
        eventLog.status(job, now);
        JobRequest request = Json.read(job.request, JobRequest.class);
        slots.redispatch(job.id, Json.write(request.withoutPayload()), job.requestId, job.traceparent);
    }

    /** Ends the job {@code failed} after its last attempt, with a dead letter for operators. */
    private void exhausted(Job job, JobError error, Instant now) {
        LOG.infof("job %s failed after %d attempts", job.id, job.attempt);
        end(job, JobStatus.FAILED, error, now);
        outbox.deadLetter(new JobDeadLetter(job.id, job.tenantId, job.type, job.attempt, error, now), job.requestId);
        outboxWritten.fire(new OutboxWritten(Topics.JOB_DEAD_LETTERS));
    }

    /** The job ends in {@code status}; if it held a slot, the slot frees and the tenant's next job takes it. */
    private void end(Job job, JobStatus status, JobError error, Instant at) {
        job.status = status.wire();
        if (error != null) {
            job.error = Json.write(error);
        }
        job.finishedAt = at;
        job.leaseWorker = null;
        job.leaseExpiresAt = null;
        job.updatedAt = now();
        eventLog.status(job, at);
        if (job.dispatchedAt != null) {
            slots.free(job.tenantId);
        }
        audit.record(
                AuditRecord.SYSTEM,
                AuditTrail.JOB_ENDED_PREFIX + status.wire(),
                AuditTrail.job(job.id),
                job.tenantId,
                job.requestId);
        if (job.usage == null) {
            // no usage event will settle its compute units: they are given back once this commits
            unbilled.fire(new UnbilledJobEnded(job.tenantId, job.id, job.requestId));
        }
    }

    private static boolean after(int attempt, int seq, Job job) {
        return attempt > job.appliedAttempt || (attempt == job.appliedAttempt && seq > job.appliedSeq);
    }

    /** {@code seq} from event id {@code <jobId>-<attempt>-<seq>}; 0 when the id carries none. */
    static int seqOf(JobEvent event) {
        String id = event.eventId();
        int dash = id.lastIndexOf('-');
        try {
            return dash < 0 ? 0 : Integer.parseInt(id.substring(dash + 1));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
