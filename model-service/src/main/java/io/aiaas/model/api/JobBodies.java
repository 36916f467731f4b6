package io.aiaas.model.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.events.JobError;
import io.aiaas.common.events.JobStatus;
import io.aiaas.common.json.Json;
import io.aiaas.common.oip.RequestInput;
import io.aiaas.model.domain.Job;
import io.aiaas.model.domain.JobView;
import io.aiaas.model.service.ClaimDecision;
import io.aiaas.model.service.JobSubmission;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Request and response bodies of the job endpoints. */
public final class JobBodies {
    private JobBodies() {}

    /**
     * {@code POST /v1/jobs}. Inline inference names {@code inputs} (Open Inference Protocol input tensors); batch
     * inference names a {@code dataset}; training names a {@code dataset}, a target {@code model} and a {@code spec}.
     */
    @Schema(
            name = "SubmitJob",
            requiredProperties = {"type", "model"})
    public record SubmitJob(
            @Schema(
                            enumeration = {"inference", "training"},
                            description = "`inference` or `training`; any other value is a 422.")
                    String type,
            @Schema(
                            description = "Inference: the model's name (the tenant's own, else the platform"
                                    + " catalogue's). Training: the target model's name (the model name rule); the"
                                    + " tenant's model of that name, created by the job's result if there is none.")
                    String model,
            @Schema(description = "The version to use; give either `version` or `alias` (both is a 422).")
                    Integer version,
            @Schema(
                            description = "The alias to use. Without `version` and `alias`, alias `production` if set,"
                                    + " else the newest version.")
                    String alias,
            @Schema(
                            description = "The signature to run (else `parameters.signature_name`, else"
                                    + " `serving_default`, else the only one). An unknown signature is a 422.")
                    String signature,
            @Schema(
                            description = "Open Inference Protocol input tensors, one per input of the signature."
                                    + " Required (400 without). `data` is flat in row-major order or nested exactly as"
                                    + " `shape` says.")
                    List<RequestInput> inputs,
            @Schema(description = "Open Inference Protocol request parameters; `signature_name` picks the signature.")
                    Map<String, Object> parameters,
            @Schema(
                            description = "The id of one of the tenant's datasets: batch inference runs each row;"
                                    + " training trains on it (required for training).")
                    String dataset,
            @Schema(
                            type = SchemaType.OBJECT,
                            description = "Training only (required): the network and how to train it — `layers`,"
                                    + " `inputShape`?, `loss`, `optimizer`?, `epochs`?, `batchSize`?,"
                                    + " `validationSplit`?, `seed`?, `progressEverySteps`? (docs/api.md, \"Training"
                                    + " jobs\"). Wrong JSON types and missing members are a 400, anything that"
                                    + " cannot be trained a 422; the detail names the member, e.g."
                                    + " `spec.layers[2].units`.")
                    JsonNode spec,
            @Schema(
                            minimum = "1",
                            description = "The longest the job may run once a worker started it (seconds, at least 1;"
                                    + " capped by the platform's setting, 86400 by default). Past it the job ends"
                                    + " `failed` with error type `timeout`.")
                    Integer maxRuntimeSeconds) {
        JobSubmission toSubmission() {
            return new JobSubmission(
                    type, model, version, alias, signature, inputs, parameters, dataset, spec, maxRuntimeSeconds);
        }
    }

    /** 202 answer to a submission: {@code queued}, also when it replays an earlier submission. */
    @Schema(name = "JobAccepted")
    public record JobAccepted(
            String id, String type, @Schema(enumeration = {"queued"}) String status, Instant createdAt) {
        static JobAccepted of(Job job) {
            return new JobAccepted(job.id, job.type, JobStatus.QUEUED.wire(), job.createdAt);
        }
    }

    /** {@code GET /v1/jobs/{id}}. */
    @Schema(name = "Job")
    public record JobBody(
            String id,
            @Schema(enumeration = {"inference", "training"}) String type,
            @Schema(enumeration = {"queued", "running", "succeeded", "failed", "cancelling", "cancelled"})
                    String status,
            String model,
            Integer version,
            Instant createdAt,
            Instant startedAt,
            Instant finishedAt,
            @Schema(
                            type = SchemaType.OBJECT,
                            description = "`epoch`, `epochs`, `step`, `steps`, `loss`, `accuracy`, `valLoss`,"
                                    + " `valAccuracy`; for inference only `step` and `steps`.")
                    JsonNode progress,
            @Schema(
                            type = SchemaType.OBJECT,
                            description = "Once succeeded, an inline inference job's Open Inference Protocol response.")
                    JsonNode result,
            @Schema(
                            type = SchemaType.OBJECT,
                            description = "Why the job failed: `{\"type\",\"detail\"}`; `type` is a problem slug"
                                    + " (`unprocessable`, `internal`, …), `timeout` past `maxRuntimeSeconds`, or"
                                    + " `storage_exceeded` when its result would pass the plan's `storageBytes`.")
                    JsonNode error,
            @Schema(
                            type = SchemaType.OBJECT,
                            description = "What the finished job consumed: `computeMillis`, `examples`, `units`,"
                                    + " `device`.")
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

        static JobBody of(JobView job) {
            return new JobBody(
                    job.id(),
                    job.type(),
                    job.status(),
                    job.modelName(),
                    job.version(),
                    job.createdAt(),
                    job.startedAt(),
                    job.finishedAt(),
                    tree(job.progress()),
                    tree(job.result()),
                    tree(job.error()),
                    tree(job.usage()));
        }
    }

    /**
     * An item of {@code GET /v1/jobs}: the job without its {@code result} (an inline result can be as large as the
     * inputs; a page of them would be tens of MiB), as SageMaker's and Stripe's list summaries; read the job for it.
     */
    @Schema(name = "JobSummary")
    public record JobSummary(
            String id,
            @Schema(enumeration = {"inference", "training"}) String type,
            @Schema(enumeration = {"queued", "running", "succeeded", "failed", "cancelling", "cancelled"})
                    String status,
            String model,
            Integer version,
            Instant createdAt,
            Instant startedAt,
            Instant finishedAt,
            @Schema(type = SchemaType.OBJECT, description = "As on the job.") JsonNode progress,
            @Schema(type = SchemaType.OBJECT, description = "Why the job failed: `{\"type\",\"detail\"}`.")
                    JsonNode error,
            @Schema(type = SchemaType.OBJECT, description = "As on the job.") JsonNode usage) {
        static JobSummary of(JobView job) {
            return new JobSummary(
                    job.id(),
                    job.type(),
                    job.status(),
                    job.modelName(),
                    job.version(),
                    job.createdAt(),
                    job.startedAt(),
                    job.finishedAt(),
                    tree(job.progress()),
                    tree(job.error()),
                    tree(job.usage()));
        }
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

    /** {@code POST /internal/v1/jobs/{id}/claim}. */
    public record ClaimRequest(String workerId) {}

    /**
     * The answer to a claim, as common's {@code ClaimAnswer} reads it; {@code job} is the stored request JSON as is
     * (inline inputs are not parsed again).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ClaimResponse(
            boolean proceed,
            int attempt,
            Instant leaseExpiresAt,
            @JsonRawValue String job,
            String status,
            @JsonRawValue String checkpoint) {
        static ClaimResponse of(ClaimDecision decision) {
            return new ClaimResponse(
                    decision.proceed(),
                    decision.attempt(),
                    decision.leaseExpiresAt(),
                    decision.request(),
                    decision.status(),
                    decision.checkpoint());
        }
    }

    /** {@code POST /internal/v1/jobs/claims}: the jobs one poll brought a worker. */
    public record ClaimsRequest(String workerId, List<String> jobs) {
        /** More than a poll's records ({@code max.poll.records}) never come in one claim. */
        public static final int MAX_JOBS = 1000;
    }

    /** The answers to {@link ClaimsRequest}, one per distinct job id, in request order. */
    public record ClaimsResponse(List<Entry> claims) {
        public record Entry(
                String jobId,
                boolean proceed,
                int attempt,
                Instant leaseExpiresAt,
                @JsonRawValue String job,
                String status,
                @JsonRawValue String checkpoint) {
            static Entry of(String jobId, ClaimDecision decision) {
                return new Entry(
                        jobId,
                        decision.proceed(),
                        decision.attempt(),
                        decision.leaseExpiresAt(),
                        decision.request(),
                        decision.status(),
                        decision.checkpoint());
            }
        }
    }

    /** {@code POST /internal/v1/jobs/{id}/release}. */
    public record ReleaseRequest(String workerId, Integer attempt, String reason, JobError error) {}
}
