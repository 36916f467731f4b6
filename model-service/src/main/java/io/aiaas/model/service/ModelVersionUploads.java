package io.aiaas.model.service;

import io.aiaas.common.archive.SavedModelArchive;
import io.aiaas.common.archive.SavedModelArchive.Format;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.events.AuditRecord;
import io.aiaas.common.oip.Signature;
import io.aiaas.common.plan.PlanLimits;
import io.aiaas.common.quarkus.idempotency.IdempotencyLedger;
import io.aiaas.common.quarkus.idempotency.IdempotentRequest;
import io.aiaas.common.quarkus.idempotency.IdempotentResponse;
import io.aiaas.model.config.ModelServiceConfig;
import io.aiaas.model.domain.Model;
import io.aiaas.model.domain.ModelVersion;
import io.aiaas.model.domain.Owner;
import io.aiaas.model.domain.SavedModelSignatures;
import io.aiaas.model.repository.ModelRepository;
import io.aiaas.model.repository.ModelVersionRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.SortedMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Accepting a new version: the body streams to a staging file (size and SHA-256 computed on the way), is unpacked
 * safely, its signatures are read from {@code saved_model.pb}, and only then, under a lock on the model row, does it
 * get a version number, a place on disk and a row. Any failure leaves no row and no file.
 */
@ApplicationScoped
public class ModelVersionUploads {
    private final ModelRepository models;
    private final ModelVersionRepository versions;
    private final ArtifactStore store;
    private final ModelEvents events;
    private final ModelServiceConfig config;
    private final IdempotencyLedger ledger;
    private final StorageUsage storage;
    private final AuditTrail audit;
    private final TenantPurges purges;

    public ModelVersionUploads(
            ModelRepository models,
            ModelVersionRepository versions,
            ArtifactStore store,
            ModelEvents events,
            ModelServiceConfig config,
            IdempotencyLedger ledger,
            StorageUsage storage,
            AuditTrail audit,
            TenantPurges purges) {
        this.models = models;
        this.versions = versions;
        this.store = store;
        this.events = events;
        this.config = config;
        this.ledger = ledger;
        this.storage = storage;
        this.audit = audit;
        this.purges = purges;
    }

    /**
     * The largest archive, and unpacked size, a caller may upload: its plan's {@code maxModelBytes}, never more than
     * {@code aiaas.model.max-model-bytes}; without a plan (administrators filling the platform catalogue) the latter.
     */
    public long modelBytesLimit(Optional<PlanLimits> plan) {
        long platformLimit = config.maxModelBytes();
        return plan.map(p -> Math.min(p.maxModelBytes(), platformLimit)).orElse(platformLimit);
    }

    /**
     * Accepts an archive of at most {@link #modelBytesLimit} bytes that unpacks to at most as many (413 past either,
     * counted as the bytes arrive and as they are unpacked), and answers what {@code answer} makes of the new version.
     * A tenant's archive also counts against its plan's {@code storageBytes}: the stream is cut (413) once it passes
     * what is left, and the decision is made again under the tenant's storage lock in the transaction that stores
     * it, so concurrent uploads never pass the limit together (the losers get 413 and store nothing). The version is
     * announced as {@code version.created} in the transaction that stores it.
     *
     * <p>Under an {@code Idempotency-Key} (see {@link IdempotencyLedger}) the archive's SHA-256 completes the request's
     * fingerprint: a repeat of the same archive answers the first version again and stores nothing; another archive
     * under the key is a 409.
     *
     * @param idempotency null without a key; its fingerprint covers the request but not yet the archive
     */
    public IdempotentResponse upload(
            Owner owner,
            String modelName,
            String contentType,
            InputStream body,
            Optional<PlanLimits> plan,
            String requestId,
            IdempotentRequest idempotency,
            Function<ModelVersion, IdempotentResponse> answer)
            throws IOException {
        Format format = Format.fromContentType(contentType);
        long limit = modelBytesLimit(plan);
        // the platform catalogue belongs to no tenant and has no plan
        Long storageBytes =
                owner.isPlatform() ? null : plan.map(PlanLimits::storageBytes).orElse(null);
        if (idempotency != null) {
            Optional<IdempotencyLedger.Recorded> earlier = ledger.recorded(idempotency.scope(), idempotency.key());
            if (earlier.isPresent()) {
                // a repeat or a reuse of the key: the archive's digest tells, and nothing of it is unpacked or kept
                return earlier.get().answer(idempotency.with(store.sha256Of(body, limit)));
            }
        }
        // 404 before reading a possibly large body
        long archiveLimit = QuarkusTransaction.requiringNew().call(() -> {
            models.findOwned(owner, modelName).orElseThrow(() -> ModelCatalogue.notFound(modelName));
            if (storageBytes == null) {
                return limit;
            }
            long left = storageBytes - storage.used(owner.tenantId());
            if (left <= 0) {
                throw ApiException.tooLarge("The plan's storage is used up.");
            }
            return Math.min(limit, left);
        });
        try {
            return store(
                    owner,
                    modelName,
                    format,
                    body,
                    archiveLimit,
                    limit,
                    storageBytes,
                    null,
                    requestId,
                    (sha256, create) ->
                            ledger.once(idempotency == null ? null : idempotency.with(sha256), create, answer));
        } catch (StorageUsage.Exceeded e) {
            throw ApiException.tooLarge(e.getMessage());
        }
    }

    /**
     * Registers the SavedModel a training job made as the next version of {@code modelName}, creating the model when
     * the tenant has none of that name, in the transaction that stores the version (a refused version leaves no model). Once per job: a repeat (a lost answer, a rerun after the version was made)
     * returns the version the job registered, and reads nothing. A model it creates is announced as
     * {@code model.created}, the version as {@code version.created}.
     *
     * @param storageBytes the tenant's {@code storageBytes} when the job was submitted; null: unbounded
     * @throws StorageUsage.Exceeded when the version would pass {@code storageBytes} (nothing of it is stored)
     */
    public ModelVersion registerTrained(
            Owner owner,
            String modelName,
            String jobId,
            InputStream zip,
            long limit,
            Long storageBytes,
            String requestId)
            throws IOException {
        java.util.Optional<ModelVersion> done = QuarkusTransaction.requiringNew()
                .call(() -> versions.find("sourceJobId", jobId).firstResultOptional());
        if (done.isPresent()) {
            return done.get();
        }
        try {
            return store(
                    owner,
                    modelName,
                    Format.ZIP,
                    zip,
                    limit,
                    limit,
                    storageBytes,
                    jobId,
                    requestId,
                    (sha256, create) -> create.get());
        } catch (RuntimeException e) {
            java.util.Optional<ModelVersion> raced = QuarkusTransaction.requiringNew()
                    .call(() -> versions.find("sourceJobId", jobId).firstResultOptional());
            if (raced.isPresent()) {
                return raced.get();
            }
            throw e;
        }
    }

    /**
     * The trained version's target model, locked: the tenant's model of that name, made now (in the transaction that
     * stores the version, so a version that is refused leaves no empty model behind) when it has none.
     */
    private Model lockTrainedTarget(Owner owner, String modelName, String jobId, String requestId) {
        // a training job that ends after its tenant was deleted creates nothing (its job is being purged)
        purges.refuseIfPurged(owner.tenantId());
        Optional<Model> existing = models.lockOwned(owner, modelName);
        if (existing.isPresent()) {
            return existing.get();
        }
        Model model = new Model();
        model.id = io.aiaas.common.id.Ids.newId(io.aiaas.common.id.Ids.MODEL);
        model.tenantId = owner.tenantId();
        model.name = modelName;
        model.description = "Trained by job " + jobId + ".";
        model.nextVersion = 1;
        model.createdAt = ModelCatalogue.now();
        model.updatedAt = model.createdAt;
        // another job may make the model meanwhile: then that one is the target
        if (models.insertIfAbsent(model)) {
            events.modelCreated(model, requestId);
            audit.record(
                    AuditRecord.SYSTEM,
                    AuditTrail.MODEL_CREATED,
                    AuditTrail.model(modelName),
                    ModelCatalogue.auditTenant(model),
                    requestId);
        }
        return models.lockOwned(owner, modelName).orElseThrow(() -> ModelCatalogue.notFound(modelName));
    }

    /**
     * Stages, checks and stores an archive as the model's next version. {@code inTransaction} runs in the transaction
     * that stores it, given the archive's SHA-256 and the step that makes the version; it returns what the caller
     * answers.
     *
     * @param archiveLimit the most the archive may hold (the stream is cut past it)
     * @param limit the most the archive may unpack to
     * @param storageBytes the tenant's {@code storageBytes}, decided under its storage lock; null: unbounded
     * @throws StorageUsage.Exceeded when the archive would pass {@code storageBytes}
     */
    private <R> R store(
            Owner owner,
            String modelName,
            Format format,
            InputStream body,
            long archiveLimit,
            long limit,
            Long storageBytes,
            String sourceJobId,
            String requestId,
            BiFunction<String, Supplier<ModelVersion>, R> inTransaction)
            throws IOException {
        ArtifactStore.Staged staged = store.stage(body, archiveLimit);
        Path placedDir = null;
        try {
            SortedMap<String, Signature> signatures = readSignatures(staged, format, limit);
            Path[] placed = new Path[1];
            try {
                return QuarkusTransaction.requiringNew()
                        .call(() -> inTransaction.apply(staged.sha256(), () -> {
                            Model model = sourceJobId == null
                                    ? models.lockOwned(owner, modelName)
                                            .orElseThrow(() -> ModelCatalogue.notFound(modelName))
                                    : lockTrainedTarget(owner, modelName, sourceJobId, requestId);
                            if (storageBytes != null) {
                                storage.reserve(owner.tenantId(), staged.sizeBytes(), storageBytes, "archive");
                            }
                            int number = model.nextVersion;
                            model.nextVersion = number + 1;
                            model.updatedAt = ModelCatalogue.now();
                            placed[0] = store.versionDir(owner, model.id, number);
                            String path;
                            try {
                                path = store.place(staged, owner, model.id, number, format);
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                            ModelVersion version = new ModelVersion();
                            version.modelId = model.id;
                            version.tenantId = model.tenantId;
                            version.version = number;
                            version.status = ModelVersion.STATUS_READY;
                            version.signatureMap(signatures);
                            version.sizeBytes = staged.sizeBytes();
                            version.sha256 = staged.sha256();
                            version.archiveFormat = format == Format.ZIP ? "zip" : "tar.gz";
                            version.artifactPath = path;
                            version.sourceJobId = sourceJobId;
                            version.createdAt = model.updatedAt;
                            versions.persist(version);
                            events.versionCreated(model, number, requestId);
                            // a trained version is the platform's doing; an upload the caller's
                            if (sourceJobId == null) {
                                audit.record(
                                        AuditTrail.VERSION_CREATED,
                                        AuditTrail.version(modelName, number),
                                        ModelCatalogue.auditTenant(model),
                                        requestId);
                            } else {
                                audit.record(
                                        AuditRecord.SYSTEM,
                                        AuditTrail.VERSION_CREATED,
                                        AuditTrail.version(modelName, number),
                                        ModelCatalogue.auditTenant(model),
                                        requestId);
                            }
                            return version;
                        }));
            } finally {
                placedDir = placed[0];
            }
        } catch (RuntimeException | IOException | Error e) {
            if (placedDir != null) {
                SavedModelArchive.deleteTree(placedDir);
            }
            throw e;
        } finally {
            Files.deleteIfExists(staged.file());
        }
    }

    private SortedMap<String, Signature> readSignatures(ArtifactStore.Staged staged, Format format, long limit)
            throws IOException {
        Path unpackDir = store.newUnpackDir();
        try {
            Path root = SavedModelArchive.extract(staged.file(), format, unpackDir, limit);
            return SavedModelSignatures.read(root.resolve(SavedModelArchive.SAVED_MODEL_FILE));
        } finally {
            SavedModelArchive.deleteTree(unpackDir);
        }
    }
}
