package io.aiaas.model.service;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.DatabaseFailures;
import io.aiaas.common.events.Topics;
import io.aiaas.common.json.Json;
import io.aiaas.common.plan.PlanLimits;
import io.aiaas.messaging.trace.KafkaTracing;
import io.aiaas.model.config.ModelServiceConfig;
import io.aiaas.model.domain.Job;
import io.aiaas.model.repository.JobRepository;
import io.aiaas.model.repository.TenantSlotRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Accepts jobs: {@link JobAdmission} checks and resolves them, then the job is stored {@code queued} and waiting for
 * one of its tenant's slots (with its first {@code status} event), and the local {@link JobScheduler} is woken once
 * the transaction committed. The tenant's slot row is written only when missing or when the plan's
 * {@code concurrentJobs} changed, and never locked here: submissions of one tenant do not queue behind each other.
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

    public JobDispatcher(
            JobAdmission admission,
            JobRepository jobs,
            TenantSlotRepository slots,
            JobEventLog eventLog,
            JobScheduler scheduler,
            ModelServiceConfig config,
            KafkaTracing tracing) {
        this.admission = admission;
        this.jobs = jobs;
        this.slots = slots;
        this.eventLog = eventLog;
        this.scheduler = scheduler;
        this.config = config;
        this.tracing = tracing;
    }

    /**
     * The accepted job, {@code queued}; a replay with the same {@code Idempotency-Key} and body returns the first job
     * (whatever its status now, the answer to its submission was {@code queued}).
     *
     * @param plan the caller's plan (its {@code concurrentJobs}); empty: the configured default
     */
    public Job submit(
            String tenantId,
            Optional<PlanLimits> plan,
            JobSubmission request,
            String idempotencyKey,
            String requestId) {
        int limit = plan.map(PlanLimits::concurrentJobs).orElse(config.jobs().defaultConcurrentJobs());
        Job job;
        try {
            job = QuarkusTransaction.requiringNew()
                    .call(() -> accept(tenantId, plan, limit, request, idempotencyKey, requestId));
        } catch (RuntimeException e) {
            if (idempotencyKey == null || !DatabaseFailures.isUniqueViolation(e)) {
                throw e;
            }
            // A concurrent submission with the same key committed first: this one is its replay (or a 409).
            job = QuarkusTransaction.requiringNew()
                    .call(() -> accept(tenantId, plan, limit, request, idempotencyKey, requestId));
        }
        scheduler.wake();
        return job;
    }

    private Job accept(
            String tenantId,
            Optional<PlanLimits> plan,
            int limit,
            JobSubmission request,
            String idempotencyKey,
            String requestId) {
        if (request == null) {
            throw ApiException.badRequest("A JSON body is required.");
        }
        String requestHash = sha256(Json.write(request));
        if (idempotencyKey != null) {
            Optional<Job> earlier = jobs.findByIdempotencyKey(tenantId, idempotencyKey);
            if (earlier.isPresent()) {
                return replay(earlier.get(), requestHash);
            }
        }
        Job job = admission.admit(tenantId, plan, request, requestId);
        job.idempotencyKey = idempotencyKey;
        job.requestHash = requestHash;
        job.concurrentLimit = limit;
        // Dispatch comes later, on the scheduler's thread: its record continues this request's trace.
        job.traceparent = tracing.currentHeaders().get(Topics.HEADER_TRACEPARENT);
        jobs.persist(job);
        eventLog.status(job, job.createdAt);
        Optional<Integer> stored = slots.limit(tenantId);
        if (stored.isEmpty() || stored.get() != limit) {
            slots.upsertLimit(tenantId, limit, job.createdAt);
        }
        return job;
    }

    private static Job replay(Job earlier, String requestHash) {
        if (!requestHash.equals(earlier.requestHash)) {
            throw ApiException.conflict("This Idempotency-Key was used with another request body.");
        }
        return earlier;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
