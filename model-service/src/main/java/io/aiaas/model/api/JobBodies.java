package io.aiaas.model.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.events.JobStatus;
import io.aiaas.common.json.Json;
import io.aiaas.common.oip.RequestInput;
import io.aiaas.model.domain.Job;
import io.aiaas.model.service.ClaimDecision;
import io.aiaas.model.service.JobSubmission;
import java.io.IOException;
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
            JsonNode spec) {
        JobSubmission toSubmission() {
            return new JobSubmission(type, model, version, alias, signature, inputs, parameters, dataset, spec);
        }
    }

    /** 202 answer to a submission: {@code queued}, also when it replays an earlier submission. */
    public record JobAccepted(String id, String type, String status, Instant createdAt) {
        static JobAccepted of(Job job) {
            return new JobAccepted(job.id, job.type, JobStatus.QUEUED.wire(), job.createdAt);
        }
    }

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
            JsonNode usage) {
        static JobBody of(Job job) {
            return new JobBody(
                    job.id,
                    job.type,
                    job.status,
                    job.modelName,
                    job.version,
                    job.createdAt,
                    job.startedAt,
                    job.finishedAt,
                    tree(job.progress),
                    tree(job.result),
                    tree(job.error),
                    tree(job.usage));
        }

        private static JsonNode tree(String json) {
            if (json == null) {
                return null;
            }
            try {
                return Json.mapper().readTree(json);
            } catch (IOException e) {
                throw new IllegalStateException("stored job JSON unreadable", e);
            }
        }
    }

    /** {@code POST /internal/v1/jobs/{id}/claim}. */
    public record ClaimRequest(String workerId) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ClaimResponse(boolean proceed, int attempt, String status) {
        static ClaimResponse of(ClaimDecision decision) {
            return new ClaimResponse(decision.proceed(), decision.attempt(), decision.status());
        }
    }
}
