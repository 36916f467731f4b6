package io.aiaas.common.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.oip.InferenceRequest;
import java.time.Instant;

/**
 * A job handed to workers on {@link Topics#JOBS}, keyed by job id. Written by model-service through its outbox.
 *
 * @param model the model's name as the tenant addressed it
 * @param modelId the model's internal id, which with {@code version} names the artifact
 * @param version the resolved version number (null for a training job's target, decided when it ends)
 * @param signature the signature to run; null means {@code serving_default} or the only one
 * @param inputs the inline inference request (Open Inference Protocol), for inline inference
 * @param datasetId the dataset for batch inference and training
 * @param spec the training spec, as the tenant sent it
 * @param maxAttempts how many claims the job gets before it ends {@code failed}
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
        Instant createdAt) {}
