package io.aiaas.model.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.archive.SavedModelArchive;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.events.JobStatus;
import io.aiaas.common.events.JobType;
import io.aiaas.common.json.Json;
import io.aiaas.model.config.ModelServiceConfig;
import io.aiaas.model.domain.Job;
import io.aiaas.model.repository.DatasetRepository;
import io.aiaas.model.repository.JobRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A batch job's output, stored in parts as its worker produces it: each part holds the NDJSON lines of rows
 * {@code [from, to)}, follows the rows already stored exactly, and moves the job's checkpoint and progress in the
 * same transaction. Only the worker that holds the job's lease for that attempt may add a part, so a rerun after a
 * lapsed lease resumes at the checkpoint and no row is stored twice.
 */
@ApplicationScoped
public class JobOutputs {
    private final JobRepository jobs;
    private final DatasetRepository datasets;
    private final ArtifactStore store;
    private final JobEventLog eventLog;
    private final EntityManager em;
    private final ModelServiceConfig config;
    private final StorageUsage storage;
    private final JobLifecycle lifecycle;

    public JobOutputs(
            JobRepository jobs,
            DatasetRepository datasets,
            ArtifactStore store,
            JobEventLog eventLog,
            EntityManager em,
            ModelServiceConfig config,
            StorageUsage storage,
            JobLifecycle lifecycle) {
        this.jobs = jobs;
        this.datasets = datasets;
        this.store = store;
        this.eventLog = eventLog;
        this.em = em;
        this.config = config;
        this.storage = storage;
        this.lifecycle = lifecycle;
    }

    /** A part as stored, and the job's rows done and total after it. */
    public record Stored(long from, long to, long sizeBytes, long rowsDone, long totalRows) {}

    /**
     * Stores a part. A part that would pass the tenant's {@code storageBytes} (as the job was submitted) ends the job
     * {@code failed} ({@code storage_exceeded}), removes every part stored before (a failed job has no result) and is
     * answered 413.
     */
    public Stored add(
            String jobId, String callerTenant, String workerId, int attempt, long from, long to, InputStream body)
            throws IOException {
        if (workerId == null || workerId.isBlank() || attempt < 1 || from < 0 || to <= from) {
            throw ApiException.badRequest(
                    "Query parameters 'workerId', 'attempt' (≥ 1), 'from' (≥ 0) and 'to' (>" + " from) are required.");
        }
        ArtifactStore.Staged staged = store.stage(body, config.maxModelBytes());
        Path[] placed = new Path[1];
        Path[] removed = new Path[1];
        String[] exceeded = new String[1];
        try {
            Stored stored = QuarkusTransaction.requiringNew().call(() -> {
                Job job = lockHeld(jobs, jobId, callerTenant, workerId, attempt);
                long done = rowsDone(job);
                if (from < done && samePart(jobId, from, to, attempt)) {
                    // a repeat of a part this attempt stored (its answer was lost): stored already, nothing changes
                    return new Stored(from, to, staged.sizeBytes(), done, totalRows(job, to));
                }
                if (from != done) {
                    throw ApiException.conflict("The job's output holds rows up to " + done + "; a part starts there.");
                }
                long total = totalRows(job, to);
                if (to > total) {
                    throw ApiException.badRequest("The dataset has " + total + " rows.");
                }
                String refusal = job.storageLimit == null
                        ? null
                        : storage.refusal(job.tenantId, staged.sizeBytes(), job.storageLimit, "output part");
                if (refusal != null) {
                    // the job ends here and takes its output with it; this transaction commits that
                    lifecycle.failStorageExceeded(job, "The job's output would pass the plan's storage: " + refusal);
                    em.createNativeQuery("DELETE FROM job_output WHERE job_id = ?1")
                            .setParameter(1, jobId)
                            .executeUpdate();
                    removed[0] = store.outputDir(job.tenantId, jobId);
                    exceeded[0] = refusal;
                    return null;
                }
                placed[0] = store.outputDir(job.tenantId, jobId).resolve("part-" + from + ".ndjson");
                String path = store.placeOutput(staged, job.tenantId, jobId, from);
                java.time.Instant now = ModelCatalogue.now();
                em.createNativeQuery("INSERT INTO job_output (job_id, tenant_id, from_row, to_row, size_bytes, path,"
                                + " attempt, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (job_id,"
                                + " from_row) DO UPDATE SET to_row = EXCLUDED.to_row, size_bytes = EXCLUDED.size_bytes,"
                                + " path = EXCLUDED.path, attempt = EXCLUDED.attempt, created_at = EXCLUDED.created_at")
                        .setParameter(1, jobId)
                        .setParameter(2, job.tenantId)
                        .setParameter(3, from)
                        .setParameter(4, to)
                        .setParameter(5, staged.sizeBytes())
                        .setParameter(6, path)
                        .setParameter(7, attempt)
                        .setParameter(8, now)
                        .executeUpdate();
                job.checkpoint = Json.write(Map.of("rows", to));
                Map<String, Object> progress = new LinkedHashMap<>();
                progress.put("rows", to);
                progress.put("totalRows", total);
                job.progress = Json.write(progress);
                job.updatedAt = now;
                eventLog.progress(job, now);
                return new Stored(from, to, staged.sizeBytes(), to, total);
            });
            if (exceeded[0] != null) {
                SavedModelArchive.deleteTree(removed[0]);
                throw ApiException.tooLarge(exceeded[0]);
            }
            return stored;
        } catch (RuntimeException e) {
            if (placed[0] != null && !isStored(jobId, from)) {
                Files.deleteIfExists(placed[0]);
            }
            throw e;
        } finally {
            Files.deleteIfExists(staged.file());
        }
    }

    /** The rows of the job's dataset ({@code fallback} when it is gone). */
    private long totalRows(Job job, long fallback) {
        JsonNode request = Json.read(job.request, JsonNode.class);
        return datasets.findOwned(job.tenantId, request.path("datasetId").asText())
                .map(d -> d.rows)
                .orElse(fallback);
    }

    private boolean samePart(String jobId, long from, long to, int attempt) {
        return !em.createNativeQuery("SELECT 1 FROM job_output WHERE job_id = ?1 AND from_row = ?2 AND to_row = ?3"
                        + " AND attempt = ?4")
                .setParameter(1, jobId)
                .setParameter(2, from)
                .setParameter(3, to)
                .setParameter(4, attempt)
                .getResultList()
                .isEmpty();
    }

    /**
     * The job, locked, when {@code workerId} holds it for {@code attempt} (running or cancelling); 404 for another
     * tenant's or an unknown job, 409 otherwise. What a worker stores for a job (output parts, checkpoints) goes
     * through this.
     */
    static Job lockHeld(JobRepository jobs, String jobId, String callerTenant, String workerId, int attempt) {
        Job job = jobs.lockForWorker(jobId)
                .filter(j -> callerTenant == null || callerTenant.equals(j.tenantId))
                .orElseThrow(() -> ApiException.notFound("No job '" + jobId + "'."));
        JobStatus status = job.jobStatus();
        if ((status != JobStatus.RUNNING && status != JobStatus.CANCELLING)
                || !workerId.equals(job.leaseWorker)
                || attempt != job.attempt) {
            throw ApiException.conflict(
                    "Worker '" + workerId + "' does not hold job '" + jobId + "' for attempt " + attempt + ".");
        }
        return job;
    }

    /** Rows whose output is stored (the checkpoint), 0 before the first part. */
    static long rowsDone(Job job) {
        if (job.checkpoint == null) {
            return 0;
        }
        return Json.read(job.checkpoint, JsonNode.class).path("rows").asLong(0);
    }

    private boolean isStored(String jobId, long from) {
        return QuarkusTransaction.requiringNew()
                .call(() -> !em.createNativeQuery("SELECT 1 FROM job_output WHERE job_id = ?1 AND from_row = ?2")
                        .setParameter(1, jobId)
                        .setParameter(2, from)
                        .getResultList()
                        .isEmpty());
    }

    /**
     * The files of a succeeded batch job's output, in row order, for {@code GET /v1/jobs/{id}/result}. Another
     * tenant's job, an inline job, or one that ended without success (its partial output is not a result) is a 404; a
     * job not yet ended is a 409.
     */
    @jakarta.transaction.Transactional
    public java.util.List<Path> result(String tenantId, String jobId) {
        Job job = jobs.findOwned(tenantId, jobId).orElseThrow(() -> ApiException.notFound("No job '" + jobId + "'."));
        // a training job reads a dataset too, but its result is the job's own (a model version)
        boolean batch = job.jobType() == JobType.INFERENCE
                && job.request != null
                && Json.read(job.request, JsonNode.class).hasNonNull("datasetId");
        if (!batch) {
            throw ApiException.notFound("Job '" + jobId + "' is not a batch job: its result is in the job itself.");
        }
        JobStatus status = job.jobStatus();
        if (!status.terminal()) {
            throw ApiException.conflict(
                    "Job '" + jobId + "' is " + job.status + "; its result is served once it" + " succeeded.");
        }
        if (status != JobStatus.SUCCEEDED) {
            throw ApiException.notFound("Job '" + jobId + "' ended " + job.status + " and has no result.");
        }
        @SuppressWarnings("unchecked")
        java.util.List<Object[]> parts = em.createNativeQuery(
                        "SELECT from_row, to_row, path FROM job_output WHERE job_id = ?1 ORDER BY from_row")
                .setParameter(1, jobId)
                .getResultList();
        java.util.List<Path> files = new java.util.ArrayList<>();
        long next = 0;
        for (Object[] part : parts) {
            if (((Number) part[0]).longValue() != next) {
                throw new IllegalStateException("the output of job " + jobId + " has a gap at row " + next);
            }
            next = ((Number) part[1]).longValue();
            files.add(store.resolve((String) part[2]));
        }
        return files;
    }
}
