package io.aiaas.model.service;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.DatabaseFailures;
import io.aiaas.common.events.JobRequest;
import io.aiaas.common.events.JobStatus;
import io.aiaas.common.events.JobType;
import io.aiaas.common.events.Topics;
import io.aiaas.common.id.Ids;
import io.aiaas.common.json.Json;
import io.aiaas.common.oip.InferenceRequest;
import io.aiaas.common.oip.InvalidInputException;
import io.aiaas.common.oip.Signature;
import io.aiaas.common.oip.SignatureInputs;
import io.aiaas.model.config.ModelServiceConfig;
import io.aiaas.model.domain.Job;
import io.aiaas.model.domain.Model;
import io.aiaas.model.domain.ModelAlias;
import io.aiaas.model.domain.ModelVersion;
import io.aiaas.model.repository.JobRepository;
import io.aiaas.model.repository.JobRequestOutbox;
import io.aiaas.model.repository.ModelAliasRepository;
import io.aiaas.model.repository.ModelRepository;
import io.aiaas.model.repository.ModelVersionRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

/**
 * Admits jobs: everything a worker could refuse is checked here first (model, version or alias, signature, input
 * tensors), then the job row and its {@link JobRequest} for {@code aiaas.jobs.v1} are written in one transaction
 * through the outbox, so a job is queued exactly when its request will reach the workers.
 */
@ApplicationScoped
public class JobDispatcher {
    private final ModelRepository models;
    private final ModelVersionRepository versions;
    private final ModelAliasRepository aliases;
    private final JobRepository jobs;
    private final JobRequestOutbox outbox;
    private final JobEventLog eventLog;
    private final ModelServiceConfig config;
    private final Event<OutboxWritten> outboxWritten;

    public JobDispatcher(
            ModelRepository models,
            ModelVersionRepository versions,
            ModelAliasRepository aliases,
            JobRepository jobs,
            JobRequestOutbox outbox,
            JobEventLog eventLog,
            ModelServiceConfig config,
            Event<OutboxWritten> outboxWritten) {
        this.models = models;
        this.versions = versions;
        this.aliases = aliases;
        this.jobs = jobs;
        this.outbox = outbox;
        this.eventLog = eventLog;
        this.config = config;
        this.outboxWritten = outboxWritten;
    }

    /**
     * The accepted job, {@code queued}; a replay with the same {@code Idempotency-Key} and body returns the first job
     * (whatever its status now, the answer to its submission was {@code queued}).
     */
    public Job submit(String tenantId, JobSubmission request, String idempotencyKey, String requestId) {
        try {
            return QuarkusTransaction.requiringNew().call(() -> accept(tenantId, request, idempotencyKey, requestId));
        } catch (RuntimeException e) {
            if (idempotencyKey == null || !DatabaseFailures.isUniqueViolation(e)) {
                throw e;
            }
            // A concurrent submission with the same key committed first: this one is its replay (or a 409).
            return QuarkusTransaction.requiringNew().call(() -> accept(tenantId, request, idempotencyKey, requestId));
        }
    }

    private Job accept(String tenantId, JobSubmission request, String idempotencyKey, String requestId) {
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
        if (request.type() == null) {
            throw ApiException.badRequest("Field 'type' is required.");
        }
        JobType type = parseType(request.type());
        if (request.model() == null) {
            throw ApiException.badRequest("Field 'model' is required.");
        }
        if (type == JobType.TRAINING) {
            throw ApiException.unprocessable("Training jobs are not supported yet.");
        }
        if (request.dataset() != null) {
            throw ApiException.unprocessable("Batch inference jobs are not supported yet.");
        }
        if (request.spec() != null) {
            throw ApiException.unprocessable("'spec' belongs to training jobs; an inference job takes none.");
        }
        if (request.inputs() == null || request.inputs().isEmpty()) {
            throw ApiException.badRequest("An inline inference job needs 'inputs'.");
        }
        Job job = inlineInference(tenantId, request, requestId);
        job.idempotencyKey = idempotencyKey;
        job.requestHash = requestHash;
        jobs.persist(job);
        eventLog.status(job, job.createdAt);
        enqueue(job, requestId);
        return job;
    }

    private Job inlineInference(String tenantId, JobSubmission request, String requestId) {
        if (request.version() != null && request.alias() != null) {
            throw ApiException.unprocessable("Name either 'version' or 'alias', not both.");
        }
        Model model = models.findVisible(tenantId, request.model())
                .orElseThrow(() -> ApiException.notFound("No model named '" + request.model() + "'."));
        ModelVersion version = resolveVersion(model, request);
        SortedMap<String, Signature> signatures = version.signatureMap();
        String signatureName;
        try {
            signatureName = Signature.choose(signatures, signatureName(request));
            SignatureInputs.decode(signatureName, signatures.get(signatureName), request.inputs());
        } catch (InvalidInputException e) {
            throw e.reason() == InvalidInputException.Reason.UNREADABLE
                    ? ApiException.badRequest(e.getMessage())
                    : ApiException.unprocessable(e.getMessage());
        }

        Map<String, Object> parameters = new LinkedHashMap<>();
        if (request.parameters() != null) {
            parameters.putAll(request.parameters());
        }
        parameters.put("signature_name", signatureName);
        Instant now = ModelCatalogue.now();
        Job job = new Job();
        job.id = Ids.newId(Ids.JOB);
        InferenceRequest inputs = new InferenceRequest(job.id, parameters, request.inputs(), null);
        JobRequest jobRequest = new JobRequest(
                job.id,
                tenantId,
                JobType.INFERENCE,
                model.name,
                model.id,
                version.version,
                signatureName,
                inputs,
                null,
                null,
                config.jobs().maxAttempts(),
                requestId,
                now);
        job.request = Json.write(jobRequest);
        if (job.request.length() > config.jobs().maxRequestBytes()) {
            throw ApiException.tooLarge("The inline inputs exceed "
                    + config.jobs().maxRequestBytes() + " bytes; use a dataset and a batch job for larger inputs.");
        }
        job.tenantId = tenantId;
        job.type = JobType.INFERENCE.wire();
        job.status = JobStatus.QUEUED.wire();
        job.modelName = model.name;
        job.modelId = model.id;
        job.version = version.version;
        job.signature = signatureName;
        job.attempt = 0;
        job.maxAttempts = config.jobs().maxAttempts();
        job.requestId = requestId;
        job.createdAt = now;
        job.updatedAt = now;
        return job;
    }

    private ModelVersion resolveVersion(Model model, JobSubmission request) {
        if (request.version() != null) {
            return versions.find(model, request.version())
                    .orElseThrow(() -> ModelCatalogue.versionNotFound(model.name, request.version()));
        }
        if (request.alias() != null) {
            ModelAlias alias = aliases.find(model, request.alias())
                    .orElseThrow(() -> ApiException.notFound(
                            "Model '" + model.name + "' has no alias '" + request.alias() + "'."));
            return versions.find(model, alias.version)
                    .orElseThrow(() -> ModelCatalogue.versionNotFound(model.name, alias.version));
        }
        Optional<ModelAlias> production = aliases.find(model, ModelAlias.PRODUCTION);
        Optional<ModelVersion> chosen =
                production.isPresent() ? versions.find(model, production.get().version) : versions.newest(model);
        return chosen.orElseThrow(() -> ApiException.notFound("Model '" + model.name + "' has no version yet."));
    }

    private static String signatureName(JobSubmission request) {
        if (request.signature() != null) {
            return request.signature();
        }
        Object fromParameters =
                request.parameters() == null ? null : request.parameters().get("signature_name");
        return fromParameters == null ? null : fromParameters.toString();
    }

    private void enqueue(Job job, String requestId) {
        outbox.enqueue(job.id, job.request, requestId);
        outboxWritten.fire(new OutboxWritten(Topics.JOBS));
    }

    private static Job replay(Job earlier, String requestHash) {
        if (!requestHash.equals(earlier.requestHash)) {
            throw ApiException.conflict("This Idempotency-Key was used with another request body.");
        }
        return earlier;
    }

    private static JobType parseType(String type) {
        try {
            return JobType.fromWire(type);
        } catch (IllegalArgumentException e) {
            throw ApiException.unprocessable(
                    "Unknown job type '" + type.toLowerCase(Locale.ROOT) + "'; it is 'inference' or 'training'.");
        }
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
