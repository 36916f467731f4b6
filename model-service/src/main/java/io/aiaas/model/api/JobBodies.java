package io.aiaas.model.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.oip.RequestInput;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Request and response bodies of the job endpoints. */
public final class JobBodies {
    private JobBodies() {}

    /**
     * {@code POST /v1/jobs}. Inline inference names {@code inputs} (Open Inference Protocol input tensors); batch
     * inference names a {@code dataset}; training names a {@code dataset} and a {@code spec}.
     */
    public record SubmitJob(
            String type,
            String model,
            Integer version,
            String alias,
            String signature,
            List<RequestInput> inputs,
            Map<String, Object> parameters,
            String dataset,
            JsonNode spec) {}

    /** 202 answer to a submission. */
    public record JobAccepted(String id, String type, String status, Instant createdAt) {}

    /** {@code GET /v1/jobs/{id}}. */
    public record JobBody(
            String id,
            String type,
            String status,
            String model,
            Integer version,
            Instant createdAt,
            Instant startedAt,
            Instant finishedAt,
            JsonNode progress,
            JsonNode result,
            JsonNode error,
            JsonNode usage) {}

    /** {@code POST /internal/v1/jobs/{id}/claim}. */
    public record ClaimRequest(String workerId) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ClaimResponse(boolean proceed, int attempt, String status) {}
}
