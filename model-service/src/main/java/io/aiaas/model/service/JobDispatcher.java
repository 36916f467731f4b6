package io.aiaas.model.service;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.events.Topics;
import io.aiaas.common.plan.PlanLimits;
import io.aiaas.common.quarkus.idempotency.IdempotencyLedger;
import io.aiaas.common.quarkus.idempotency.IdempotentRequest;
import io.aiaas.common.quarkus.idempotency.IdempotentResponse;
import io.aiaas.messaging.trace.KafkaTracing;
import io.aiaas.model.client.ComputeReservations;
import io.aiaas.model.config.ModelServiceConfig;
import io.aiaas.model.domain.Job;
import io.aiaas.model.repository.JobRepository;
import io.aiaas.model.repository.TenantSlotRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/**
 * Accepts jobs: {@link JobAdmission} checks and resolves them, then the job is stored {@code queued} and waiting for
 * one of its tenant's slots (with its first {@code status} event), and the local {@link JobScheduler} is woken once
 * the transaction committed. The tenant's slot row is written only when missing or when the plan's
 * {@code concurrentJobs} changed, and never locked here: submissions of one tenant do not queue behind each other.
 * Before the job is stored its estimated compute units are reserved at tenant-service ({@link ComputeEstimates}), outside
 * any transaction: a tenant whose monthly quota has no room gets a 429 and nothing is stored; when tenant-service
 * cannot answer, a 503; when the job cannot be stored after its units were reserved, they are released.
 */
@ApplicationScoped
public class JobDispatcher {
    private final JobAdmission admission;
    private final JobRepository jobs;
    private final TenantSlotRepository slots;
    private final JobEventLog eventLog;
    private final JobScheduler scheduler;
    private final ModelServiceConfig config;
    private final KafkaTracing tracing;
    private final IdempotencyLedger ledger;
    private final AuditTrail audit;
    private final TenantPurges purges;
    private final ComputeEstimates estimates;
    private final ComputeReservations reservations;

    public JobDispatcher(
            JobAdmission admission,
            JobRepository jobs,
            TenantSlotRepository slots,
            JobEventLog eventLog,
            JobScheduler scheduler,
            ModelServiceConfig config,
            KafkaTracing tracing,
            IdempotencyLedger ledger,
            AuditTrail audit,
            TenantPurges purges,
            ComputeEstimates estimates,
            ComputeReservations reservations) {
        this.admission = admission;
        this.jobs = jobs;
        this.slots = slots;
        this.eventLog = eventLog;
        this.scheduler = scheduler;
        this.config = config;
        this.tracing = tracing;
        this.ledger = ledger;
        this.audit = audit;
        this.purges = purges;
        this.estimates = estimates;
        this.reservations = reservations;
    }

    /** An admitted job, not yet stored, and the compute units (and their lifetime) it reserves. */
    private record Admitted(Job job, long units, Duration lifetime) {}

    /**
     * Accepts the job, {@code queued}, and answers what {@code answer} makes of it. Under an {@code Idempotency-Key}
     * (see {@link IdempotencyLedger}) a repeat of the same submission answers the first job's answer again and
     * accepts nothing; the answer is recorded in the transaction that stores the job.
     *
     * <p>Three steps, so that no database connection is held while tenant-service answers: the job is admitted (checked
     * and resolved, its id minted) in a short transaction that writes nothing; its units are reserved outside any transaction;
     * then it is stored. A replay is answered before anything is admitted or reserved; a request that loses the race
     * for its key to a concurrent one with the same key answers that one's job and gives its own units back, as does
     * a job that cannot be stored.
     *
     * @param plan the caller's plan (its {@code concurrentJobs}); empty: the configured default
     * @param idempotency null without a key
     */
    public IdempotentResponse submit(
            String tenantId,
            Optional<PlanLimits> plan,
            JobSubmission request,
            IdempotentRequest idempotency,
            String requestId,
            Function<Job, IdempotentResponse> answer) {
        if (request == null) {
            throw ApiException.badRequest("A JSON body is required.");
        }
        if (idempotency != null) {
            Optional<IdempotencyLedger.Recorded> earlier = ledger.recorded(idempotency.scope(), idempotency.key());
            if (earlier.isPresent()) {
                return earlier.get().answer(idempotency);
            }
        }
        Admitted admitted = QuarkusTransaction.requiringNew().call(() -> {
            purges.refuseIfPurged(tenantId);
            Job admittedJob = admission.admit(tenantId, plan, request, requestId);
            return reservations.enabled()
                    ? new Admitted(admittedJob, estimates.units(admittedJob), estimates.lifetime(admittedJob))
                    : new Admitted(admittedJob, 0, null);
        });
        Job job = admitted.job();
        boolean reserved = false;
        if (reservations.enabled()) {
            reservations.reserve(tenantId, job.id, admitted.units(), admitted.lifetime(), requestId);
            reserved = true;
        }
        int limit = plan.map(PlanLimits::concurrentJobs).orElse(config.jobs().defaultConcurrentJobs());
        boolean[] stored = {false};
        IdempotentResponse response;
        try {
            response = QuarkusTransaction.requiringNew()
                    .call(() -> ledger.once(
                            idempotency,
                            () -> {
                                store(tenantId, plan, limit, job, requestId);
                                stored[0] = true;
                                return job;
                            },
                            answer));
        } catch (RuntimeException e) {
            if (reserved) {
                reservations.releaseLater(tenantId, job.id, requestId);
            }
            throw e;
        }
        if (reserved && !stored[0]) {
            reservations.releaseLater(tenantId, job.id, requestId);
        }
        scheduler.wake();
        return response;
    }

    private void store(String tenantId, Optional<PlanLimits> plan, int limit, Job job, String requestId) {
        // again, under the lock that orders this write against the tenant's purge
        purges.refuseIfPurged(tenantId);
        job.concurrentLimit = limit;
        job.storageLimit = plan.map(PlanLimits::storageBytes).orElse(null);
        // Dispatch comes later, on the scheduler's thread: its record continues this request's trace.
        job.traceparent = tracing.currentHeaders().get(Topics.HEADER_TRACEPARENT);
        jobs.persist(job);
        eventLog.status(job, job.createdAt);
        audit.record(AuditTrail.JOB_CREATED, AuditTrail.job(job.id), tenantId, requestId);
        Optional<Integer> stored = slots.limit(tenantId);
        if (stored.isEmpty() || stored.get() != limit) {
            slots.upsertLimit(tenantId, limit, job.createdAt);
        }
    }
}
