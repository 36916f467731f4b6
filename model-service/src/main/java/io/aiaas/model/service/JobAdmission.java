package io.aiaas.model.service;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.events.JobRequest;
import io.aiaas.common.events.JobStatus;
import io.aiaas.common.events.JobType;
import io.aiaas.common.id.Ids;
import io.aiaas.common.json.Json;
import io.aiaas.common.oip.Datatype;
import io.aiaas.common.oip.InferenceRequest;
import io.aiaas.common.oip.InvalidInputException;
import io.aiaas.common.oip.Signature;
import io.aiaas.common.oip.SignatureInputs;
import io.aiaas.common.oip.TensorSpec;
import io.aiaas.common.plan.PlanLimits;
import io.aiaas.common.training.SpecException;
import io.aiaas.common.training.TrainingPlan;
import io.aiaas.common.training.TrainingSpec;
import io.aiaas.common.training.TrainingSpecs;
import io.aiaas.model.config.ModelServiceConfig;
import io.aiaas.model.domain.Dataset;
import io.aiaas.model.domain.Job;
import io.aiaas.model.domain.Model;
import io.aiaas.model.domain.ModelAlias;
import io.aiaas.model.domain.ModelVersion;
import io.aiaas.model.domain.Owner;
import io.aiaas.model.repository.DatasetRepository;
import io.aiaas.model.repository.ModelAliasRepository;
import io.aiaas.model.repository.ModelRepository;
import io.aiaas.model.repository.ModelVersionRepository;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Decides whether a job can run at all, before it is stored: everything a worker could refuse is checked here (model,
 * version or alias, signature, input tensors, dataset, training spec, runtime bound), the version it names is
 * resolved and a training spec becomes its plan. Stores nothing.
 */
@ApplicationScoped
public class JobAdmission {
    private final ModelRepository models;
    private final ModelVersionRepository versions;
    private final ModelAliasRepository aliases;
    private final DatasetRepository datasets;
    private final ModelServiceConfig config;

    public JobAdmission(
            ModelRepository models,
            ModelVersionRepository versions,
            ModelAliasRepository aliases,
            DatasetRepository datasets,
            ModelServiceConfig config) {
        this.models = models;
        this.versions = versions;
        this.aliases = aliases;
        this.datasets = datasets;
        this.config = config;
    }

    /** Rows per chunk of a batch job when its {@code parameters.chunk_rows} gives none. */
    public static final int DEFAULT_CHUNK_ROWS = 256;
    /** The most rows a batch chunk may hold. */
    public static final int MAX_CHUNK_ROWS = 65_536;

    /** The job as it will be stored ({@code queued}, not yet dispatched), or the 4xx that refuses it. */
    public Job admit(String tenantId, Optional<PlanLimits> plan, JobSubmission request, String requestId) {
        if (request.type() == null) {
            throw ApiException.badRequest("Field 'type' is required.");
        }
        JobType type = parseType(request.type());
        if (request.model() == null) {
            throw ApiException.badRequest("Field 'model' is required.");
        }
        if (request.maxRuntimeSeconds() != null && request.maxRuntimeSeconds() < 1) {
            throw ApiException.unprocessable("'maxRuntimeSeconds' is at least 1.");
        }
        if (type == JobType.TRAINING) {
            return training(tenantId, request, requestId);
        }
        if (request.spec() != null) {
            throw ApiException.unprocessable("'spec' belongs to training jobs; an inference job takes none.");
        }
        if (request.dataset() != null) {
            if (request.inputs() != null) {
                throw ApiException.unprocessable(
                        "Give either 'inputs' (inline inference) or 'dataset' (batch inference), not both.");
            }
            return batchInference(tenantId, plan, request, requestId);
        }
        if (request.inputs() == null || request.inputs().isEmpty()) {
            throw ApiException.badRequest("An inline inference job needs 'inputs'.");
        }
        return inlineInference(tenantId, request, requestId);
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
                now,
                effectiveRuntime(request.maxRuntimeSeconds()));
        job.request = Json.write(jobRequest);
        if (job.request.length() > config.jobs().maxRequestBytes()) {
            throw ApiException.tooLarge("The inline inputs exceed "
                    + config.jobs().maxRequestBytes() + " bytes; use a dataset and a batch job for larger inputs.");
        }
        return queued(job, jobRequest, request.maxRuntimeSeconds() != null);
    }

    /** The job row of an admitted job, queued; its columns follow its {@code request}. */
    private Job queued(Job job, JobRequest request, boolean runtimeGiven) {
        job.tenantId = request.tenantId();
        job.type = request.type().wire();
        job.status = JobStatus.QUEUED.wire();
        job.modelName = request.model();
        job.modelId = request.modelId();
        job.version = request.version();
        job.signature = request.signature();
        job.datasetId = request.datasetId();
        job.attempt = 0;
        job.maxAttempts = config.jobs().maxAttempts();
        job.requestId = request.requestId();
        job.maxRuntimeSeconds = runtimeGiven ? request.maxRuntimeSeconds() : null;
        job.createdAt = request.createdAt();
        job.updatedAt = request.createdAt();
        return job;
    }

    /**
     * Batch inference: each row of the tenant's dataset (its features in header order, the label left out) is fed to
     * the signature's single input, in chunks of {@code parameters.chunk_rows} rows.
     */
    private Job batchInference(String tenantId, Optional<PlanLimits> plan, JobSubmission request, String requestId) {
        if (request.version() != null && request.alias() != null) {
            throw ApiException.unprocessable("Name either 'version' or 'alias', not both.");
        }
        Dataset dataset = datasets.findOwnedForJob(tenantId, request.dataset())
                .orElseThrow(() -> ApiException.notFound("No dataset '" + request.dataset() + "'."));
        Model model = models.findVisible(tenantId, request.model())
                .orElseThrow(() -> ApiException.notFound("No model named '" + request.model() + "'."));
        ModelVersion version = resolveVersion(model, request);
        SortedMap<String, Signature> signatures = version.signatureMap();
        String signatureName;
        try {
            signatureName = Signature.choose(signatures, signatureName(request));
        } catch (InvalidInputException e) {
            throw ApiException.unprocessable(e.getMessage());
        }
        Signature signature = signatures.get(signatureName);
        if (signature.inputs().size() != 1) {
            throw ApiException.unprocessable(
                    "Batch inference feeds each row to the signature's single input;" + " signature '" + signatureName
                            + "' has " + signature.inputs().size() + " inputs.");
        }
        TensorSpec input = signature.inputs().get(0);
        if (input.datatype() != Datatype.FP32 && input.datatype() != Datatype.FP64) {
            throw ApiException.unprocessable("Batch inference feeds numbers as FP32 or FP64; input '" + input.name()
                    + "' takes " + input.datatype() + ".");
        }
        if (!takesRowsOf(input, dataset.features)) {
            throw ApiException.unprocessable("Input '" + input.name() + "' takes shape " + input.shape()
                    + "; each row of dataset '" + dataset.id + "' has " + dataset.features + " features.");
        }
        long maxRows = plan.map(PlanLimits::maxBatchRows).orElse(Long.MAX_VALUE);
        if (dataset.rows > maxRows) {
            throw ApiException.unprocessable(
                    "The dataset's " + dataset.rows + " rows exceed the plan's maxBatchRows (" + maxRows + ").");
        }
        Map<String, Object> parameters = new LinkedHashMap<>();
        if (request.parameters() != null) {
            parameters.putAll(request.parameters());
        }
        parameters.put("signature_name", signatureName);
        parameters.put("chunk_rows", chunkRows(parameters.get("chunk_rows")));
        Instant now = ModelCatalogue.now();
        Job job = new Job();
        job.id = Ids.newId(Ids.JOB);
        JobRequest jobRequest = new JobRequest(
                job.id,
                tenantId,
                JobType.INFERENCE,
                model.name,
                model.id,
                version.version,
                signatureName,
                new InferenceRequest(job.id, parameters, null, null),
                dataset.id,
                null,
                config.jobs().maxAttempts(),
                requestId,
                now,
                effectiveRuntime(request.maxRuntimeSeconds()));
        job.request = Json.write(jobRequest);
        return queued(job, jobRequest, request.maxRuntimeSeconds() != null);
    }

    /**
     * Training: the tenant's dataset, a target model name of the model name rule, and a spec that trains on that
     * dataset. The spec becomes a {@link TrainingPlan} now (a seed drawn if it gave none), so a worker never meets a
     * spec it cannot build and a rerun after a crash repeats the same run. The target model is the tenant's own model
     * of that name; when there is none yet, the job's result creates it (a platform model of the same name is not
     * trained: the tenant's model shadows it, as {@code POST /v1/models} allows).
     */
    private Job training(String tenantId, JobSubmission request, String requestId) {
        refuseInferenceMember("version", request.version());
        refuseInferenceMember("alias", request.alias());
        refuseInferenceMember("signature", request.signature());
        refuseInferenceMember("inputs", request.inputs());
        refuseInferenceMember("parameters", request.parameters());
        if (request.dataset() == null) {
            throw ApiException.badRequest("A training job needs 'dataset': the id of the dataset to train on.");
        }
        if (request.spec() == null || request.spec().isNull()) {
            throw ApiException.badRequest("A training job needs 'spec': the network and how to train it.");
        }
        TrainingSpec spec = specChecked(() -> TrainingSpecs.read(request.spec()));
        Dataset dataset = datasets.findOwnedForJob(tenantId, request.dataset())
                .orElseThrow(() -> ApiException.notFound("No dataset '" + request.dataset() + "'."));
        ModelCatalogue.requireName(request.model(), "target model name");
        Optional<Model> target = models.findOwned(Owner.tenant(tenantId), request.model());
        TrainingPlan plan = specChecked(() -> TrainingSpecs.plan(
                spec,
                dataset.rows,
                dataset.features,
                dataset.labelMin,
                dataset.labelMax,
                () -> ThreadLocalRandom.current().nextLong()));

        Instant now = ModelCatalogue.now();
        Job job = new Job();
        job.id = Ids.newId(Ids.JOB);
        JobRequest jobRequest = new JobRequest(
                job.id,
                tenantId,
                JobType.TRAINING,
                request.model(),
                target.map(m -> m.id).orElse(null),
                null,
                null,
                null,
                dataset.id,
                TrainingSpecs.requestSpec(plan, request.spec()),
                config.jobs().maxAttempts(),
                requestId,
                now,
                effectiveRuntime(request.maxRuntimeSeconds()));
        job.request = Json.write(jobRequest);
        return queued(job, jobRequest, request.maxRuntimeSeconds() != null);
    }

    private static void refuseInferenceMember(String name, Object value) {
        if (value != null) {
            throw ApiException.unprocessable("'" + name + "' belongs to inference jobs; a training job takes none.");
        }
    }

    /** The spec's check, its failure as the contract's 400 (unreadable) or 422 (cannot be trained). */
    private static <T> T specChecked(java.util.function.Supplier<T> check) {
        try {
            return check.get();
        } catch (SpecException e) {
            throw e.reason() == SpecException.Reason.UNREADABLE
                    ? ApiException.badRequest(e.getMessage())
                    : ApiException.unprocessable(e.getMessage());
        }
    }

    /**
     * Whether a row of {@code features} numbers fits the input: a free first (batch) dimension and fixed others whose
     * product is the feature count (a row fills an image input in row-major order), or an unknown rank.
     */
    static boolean takesRowsOf(TensorSpec input, int features) {
        List<Long> shape = input.shape();
        if (shape == null) {
            return true;
        }
        if (shape.isEmpty() || shape.get(0) >= 0) {
            return false;
        }
        long product = 1;
        for (int i = 1; i < shape.size(); i++) {
            if (shape.get(i) < 0) {
                return false;
            }
            product *= shape.get(i);
        }
        return product == features;
    }

    private static int chunkRows(Object given) {
        if (given == null) {
            return DEFAULT_CHUNK_ROWS;
        }
        if (given instanceof Number n
                && n.doubleValue() == Math.rint(n.doubleValue())
                && n.longValue() >= 1
                && n.longValue() <= MAX_CHUNK_ROWS) {
            return n.intValue();
        }
        throw ApiException.unprocessable("'parameters.chunk_rows' is a whole number from 1 to " + MAX_CHUNK_ROWS + ".");
    }

    /** The tenant's bound capped by the platform's; the platform's when the tenant gives none. */
    private int effectiveRuntime(Integer requested) {
        int cap = config.jobs().maxRuntimeSeconds();
        return requested == null ? cap : Math.min(requested, cap);
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

    private static JobType parseType(String type) {
        try {
            return JobType.fromWire(type);
        } catch (IllegalArgumentException e) {
            throw ApiException.unprocessable(
                    "Unknown job type '" + type.toLowerCase(Locale.ROOT) + "'; it is 'inference' or 'training'.");
        }
    }
}
