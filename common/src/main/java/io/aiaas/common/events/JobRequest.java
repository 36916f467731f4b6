package io.aiaas.common.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.oip.InferenceRequest;
import java.time.Instant;

/**
 * A job handed to workers on {@link Topics#JOBS}, keyed by job id. Written by model-service through its outbox.
 *
 * @param model the model's name as the tenant addressed it
 * @param modelId the model's internal id, which with {@code version} names the artifact (for training: the target
 *     model's, null when the tenant has no model of that name yet and the job's result creates it)
 * @param version the resolved version number (null for a training job's target, decided when it ends)
 * @param signature the signature to run; null means {@code serving_default} or the only one
 * @param inputs the inline inference request (Open Inference Protocol), for inline inference
 * @param datasetId the dataset for batch inference and training
 * @param spec for training, {@code {"plan": <TrainingPlan>, "submitted": <the spec as the tenant sent it>}}: workers
 *     train from the plan ({@code TrainingSpecs.planOf}), which admission made and checked against the dataset
 * @param maxAttempts how many claims the job gets before it ends {@code failed}
 * @param maxRuntimeSeconds the longest the job may run once claimed (the tenant's bound, capped by the platform's);
 *     over it the worker ends the job {@code failed} with error type {@code timeout}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobRequest(
        String jobId,
        String tenantId,
        JobType type,
        String model,
        String modelId,
        Integer version,
        String signature,
        InferenceRequest inputs,
        String datasetId,
        JsonNode spec,
        int maxAttempts,
        String requestId,
        Instant createdAt,
        Integer maxRuntimeSeconds) {

    /** A request without a runtime bound of its own (the platform's cap applies). */
    public JobRequest(
            String jobId,
            String tenantId,
            JobType type,
            String model,
            String modelId,
            Integer version,
            String signature,
            InferenceRequest inputs,
            String datasetId,
            JsonNode spec,
            int maxAttempts,
            String requestId,
            Instant createdAt) {
        this(
                jobId,
                tenantId,
                type,
                model,
                modelId,
                version,
                signature,
                inputs,
                datasetId,
                spec,
                maxAttempts,
                requestId,
                createdAt,
                null);
    }

    /** The dispatch record for {@link Topics#JOBS}: lean, without {@code inputs} and {@code spec} (the claim has them). */
    public JobRequest withoutPayload() {
        return new JobRequest(
                jobId,
                tenantId,
                type,
                model,
                modelId,
                version,
                signature,
                null,
                datasetId,
                null,
                maxAttempts,
                requestId,
                createdAt,
                maxRuntimeSeconds);
    }
}
