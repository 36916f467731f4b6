package io.aiaas.model.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.json.Json;
import io.aiaas.model.config.ModelServiceConfig;
import io.aiaas.model.domain.Job;
import io.aiaas.model.domain.ModelVersion;
import io.aiaas.model.domain.Owner;
import io.aiaas.model.repository.JobRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;

/**
 * The version a training job registers at its end: the worker holding the job's lease sends the SavedModel, and it
 * becomes the next version of the job's target model ({@link ModelVersionUploads#registerTrained}), once per job.
 */
@ApplicationScoped
public class TrainedVersions {
    private final JobRepository jobs;
    private final ModelVersionUploads uploads;
    private final ModelServiceConfig config;
    private final JobLifecycle lifecycle;

    public TrainedVersions(
            JobRepository jobs, ModelVersionUploads uploads, ModelServiceConfig config, JobLifecycle lifecycle) {
        this.jobs = jobs;
        this.uploads = uploads;
        this.config = config;
        this.lifecycle = lifecycle;
    }

    /**
     * Registers the version, or, when it would pass the tenant's {@code storageBytes} (as the job was submitted), stores
     * nothing of it, ends the job {@code failed} ({@code storage_exceeded}) and answers the worker 413.
     */
    public ModelVersion register(
            String jobId, String callerTenant, String workerId, int attempt, InputStream zip, String requestId)
            throws IOException {
        Job job = QuarkusTransaction.requiringNew()
                .call(() -> JobOutputs.lockHeld(jobs, jobId, callerTenant, workerId, attempt));
        if (!"training".equals(job.type)) {
            throw ApiException.conflict("Job '" + jobId + "' is not a training job.");
        }
        try {
            return uploads.registerTrained(
                    Owner.tenant(job.tenantId),
                    modelName(job),
                    jobId,
                    zip,
                    config.maxModelBytes(),
                    job.storageLimit,
                    requestId);
        } catch (StorageUsage.Exceeded e) {
            QuarkusTransaction.requiringNew().run(() -> jobs.lockForWorker(jobId)
                    .ifPresent(locked -> lifecycle.failStorageExceeded(
                            locked, "The trained model would pass the plan's storage: " + e.getMessage())));
            throw ApiException.tooLarge(e.getMessage());
        }
    }

    /** The name of the model the job trains (its request's {@code model}). */
    public String modelName(String jobId) {
        Job job = QuarkusTransaction.requiringNew().call(() -> jobs.findById(jobId));
        if (job == null) {
            throw ApiException.notFound("No job '" + jobId + "'.");
        }
        return modelName(job);
    }

    private static String modelName(Job job) {
        JsonNode request = Json.read(job.request, JsonNode.class);
        String name = request.path("model").asText(null);
        if (name == null) {
            throw new IllegalStateException("training job " + job.id + " names no model");
        }
        return name;
    }
}
