package io.aiaas.model.service;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.DatabaseFailures;
import io.aiaas.common.id.Ids;
import io.aiaas.common.page.Cursor;
import io.aiaas.common.page.Page;
import io.aiaas.common.page.PageRequest;
import io.aiaas.common.quarkus.idempotency.IdempotencyLedger;
import io.aiaas.common.quarkus.idempotency.IdempotentRequest;
import io.aiaas.common.quarkus.idempotency.IdempotentResponse;
import io.aiaas.model.domain.Model;
import io.aiaas.model.domain.ModelAlias;
import io.aiaas.model.domain.ModelVersion;
import io.aiaas.model.domain.Owner;
import io.aiaas.model.repository.ModelAliasRepository;
import io.aiaas.model.repository.ModelRepository;
import io.aiaas.model.repository.ModelVersionRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Models, their versions and aliases, for a tenant (its own models, reading the platform catalogue too) or for the
 * platform catalogue itself. {@code viewer} is whoever reads; {@code owner} whoever writes.
 */
@ApplicationScoped
public class ModelCatalogue {
    public static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");

    private final ModelRepository models;
    private final ModelVersionRepository versions;
    private final ModelAliasRepository aliases;
    private final ArtifactStore store;
    private final ModelEvents events;
    private final TransactionSynchronizationRegistry txRegistry;
    private final IdempotencyLedger ledger;
    private final AuditTrail audit;
    private final TenantPurges purges;

    public ModelCatalogue(
            ModelRepository models,
            ModelVersionRepository versions,
            ModelAliasRepository aliases,
            ArtifactStore store,
            ModelEvents events,
            TransactionSynchronizationRegistry txRegistry,
            IdempotencyLedger ledger,
            AuditTrail audit,
            TenantPurges purges) {
        this.models = models;
        this.versions = versions;
        this.aliases = aliases;
        this.store = store;
        this.events = events;
        this.txRegistry = txRegistry;
        this.ledger = ledger;
        this.audit = audit;
        this.purges = purges;
    }

    /** A model with what a reader sees of it at once: its aliases and its newest version. */
    public record ModelDetails(Model model, Map<String, Integer> aliases, Integer latestVersion) {}

    /**
     * Creates a model, announced as {@code model.created} ({@code requestId} goes on the event's record), and answers
     * what {@code answer} makes of it; under an {@code Idempotency-Key} once only (see {@link IdempotencyLedger}).
     *
     * @param idempotency null without a key
     */
    @Transactional
    public IdempotentResponse create(
            Owner owner,
            String name,
            String description,
            String requestId,
            IdempotentRequest idempotency,
            Function<ModelDetails, IdempotentResponse> answer) {
        return ledger.once(idempotency, () -> create(owner, name, description, requestId), answer);
    }

    private ModelDetails create(Owner owner, String name, String description, String requestId) {
        if (name == null) {
            throw ApiException.badRequest("Field 'name' is required.");
        }
        requireName(name, "model name");
        if (!owner.isPlatform()) {
            purges.refuseIfPurged(owner.tenantId());
        }
        if (models.findOwned(owner, name).isPresent()) {
            throw ApiException.conflict("A model named '" + name + "' already exists.");
        }
        Model model = new Model();
        model.id = Ids.newId(Ids.MODEL);
        model.tenantId = owner.tenantId();
        model.name = name;
        model.description = description;
        model.nextVersion = 1;
        model.createdAt = now();
        model.updatedAt = model.createdAt;
        try {
            models.persistAndFlush(model);
        } catch (RuntimeException e) {
            if (DatabaseFailures.isUniqueViolation(e)) {
                // lost a race for the name against a concurrent create
                throw ApiException.conflict("A model named '" + name + "' already exists.");
            }
            throw e;
        }
        events.modelCreated(model, requestId);
        audit.record(AuditTrail.MODEL_CREATED, AuditTrail.model(name), auditTenant(model), requestId);
        return details(model);
    }

    @Transactional
    public Page<ModelDetails> list(Owner viewer, PageRequest page) {
        List<String> owners = viewer.isPlatform()
                ? List.of(Owner.PLATFORM_MARKER)
                : List.of(viewer.tenantId(), Owner.PLATFORM_MARKER);
        Cursor after = page.after();
        List<Model> found = models.page(
                owners, after == null ? null : after.createdAt(), after == null ? null : after.id(), page.fetchSize());
        return page.page(found, m -> new Cursor(m.createdAt, m.id), this::details);
    }

    @Transactional
    public ModelDetails get(Owner viewer, String name) {
        return details(visible(viewer, name));
    }

    /** Changes the description (null clears it); a model is never renamed. */
    @Transactional
    public ModelDetails describe(Owner owner, String name, String description, String requestId) {
        Model model = owned(owner, name);
        model.description = description;
        model.updatedAt = now();
        audit.record(AuditTrail.MODEL_UPDATED, AuditTrail.model(name), auditTenant(model), requestId);
        return details(model);
    }

    /**
     * Deletes a model, its versions and aliases (one {@code model.deleted} says so); the archives go once the deletion
     * is committed.
     */
    @Transactional
    public void delete(Owner owner, String name, String requestId) {
        Model model = models.lockOwned(owner, name).orElseThrow(() -> notFound(name));
        aliases.delete("modelId = ?1 and tenantId = ?2", model.id, model.tenantId);
        versions.delete("modelId = ?1 and tenantId = ?2", model.id, model.tenantId);
        models.delete(model);
        events.modelDeleted(model, requestId);
        audit.record(AuditTrail.MODEL_DELETED, AuditTrail.model(name), auditTenant(model), requestId);
        afterCommit(() -> store.deleteModel(owner, model.id));
    }

    @Transactional
    public Page<ModelVersion> versions(Owner viewer, String name, PageRequest page) {
        Model model = visible(viewer, name);
        List<ModelVersion> found = versions.page(model, afterVersion(page), page.fetchSize());
        return page.page(found, v -> new Cursor(v.createdAt, Integer.toString(v.version)), v -> v);
    }

    /** The version a cursor of a version list stops at; versions are its ids there. */
    private static Integer afterVersion(PageRequest page) {
        if (page.after() == null) {
            return null;
        }
        try {
            return Integer.valueOf(page.after().id());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("The cursor is not one this server issued.");
        }
    }

    @Transactional
    public ModelVersion version(Owner viewer, String name, int version) {
        Model model = visible(viewer, name);
        return versions.find(model, version).orElseThrow(() -> versionNotFound(name, version));
    }

    /** Deletes a version no alias points to (409 otherwise); its archive goes once the deletion is committed. */
    @Transactional
    public void deleteVersion(Owner owner, String name, int version, String requestId) {
        Model model = models.lockOwned(owner, name).orElseThrow(() -> notFound(name));
        ModelVersion row = versions.find(model, version).orElseThrow(() -> versionNotFound(name, version));
        List<ModelAlias> pointing = aliases.pointingTo(model, version);
        if (!pointing.isEmpty()) {
            throw ApiException.conflict("Version " + version + " is in use by alias '" + pointing.get(0).alias
                    + "'; move or delete the alias first.");
        }
        versions.delete(row);
        events.versionDeleted(model, version, requestId);
        audit.record(AuditTrail.VERSION_DELETED, AuditTrail.version(name, version), auditTenant(model), requestId);
        afterCommit(() -> store.deleteVersion(owner, model.id, version));
    }

    /**
     * Points {@code alias} at {@code version}, creating the alias or moving it; announced as {@code alias.set} unless
     * it pointed there already.
     */
    @Transactional
    public ModelAlias setAlias(Owner owner, String name, String alias, Integer version, String requestId) {
        if (version == null) {
            throw ApiException.badRequest("Field 'version' is required.");
        }
        requireName(alias, "alias");
        Model model = models.lockOwned(owner, name).orElseThrow(() -> notFound(name));
        if (versions.find(model, version).isEmpty()) {
            throw ApiException.unprocessable(
                    "Model '" + name + "' has no version " + version + " for the alias to point to.");
        }
        Instant now = now();
        ModelAlias row = aliases.find(model, alias).orElseGet(() -> {
            ModelAlias created = new ModelAlias();
            created.modelId = model.id;
            created.tenantId = model.tenantId;
            created.alias = alias;
            created.createdAt = now;
            return created;
        });
        boolean moved = row.id == null || row.version != version;
        row.version = version;
        row.updatedAt = now;
        if (row.id == null) {
            aliases.persist(row);
        }
        model.updatedAt = now;
        if (moved) {
            events.aliasSet(model, alias, version, requestId);
            audit.record(AuditTrail.ALIAS_SET, AuditTrail.alias(name, alias), auditTenant(model), requestId);
        }
        return row;
    }

    @Transactional
    public void deleteAlias(Owner owner, String name, String alias, String requestId) {
        Model model = models.lockOwned(owner, name).orElseThrow(() -> notFound(name));
        ModelAlias row = aliases.find(model, alias)
                .orElseThrow(() -> ApiException.notFound("Model '" + name + "' has no alias '" + alias + "'."));
        aliases.delete(row);
        model.updatedAt = now();
        events.aliasDeleted(model, alias, requestId);
        audit.record(AuditTrail.ALIAS_DELETED, AuditTrail.alias(name, alias), auditTenant(model), requestId);
    }

    /** What online prediction needs of a model: its aliases (by name) and every version, oldest first. */
    public record Serving(Model model, Map<String, Integer> aliases, List<ModelVersion> versions) {}

    /**
     * The model {@code name} means to a tenant (its own, else the platform catalogue's) with its aliases and every
     * version's signatures: three queries, whatever the number of versions (the signatures live on each version row).
     */
    @Transactional
    public Serving serving(String tenantId, String name) {
        Model model = visible(Owner.tenant(tenantId), name);
        Map<String, Integer> pointing = new TreeMap<>();
        for (ModelAlias alias : aliases.of(model)) {
            pointing.put(alias.alias, alias.version);
        }
        return new Serving(model, pointing, versions.oldestFirst(model));
    }

    /** What {@code name} means to the viewer: a tenant's own model first, then the platform catalogue's. */
    Model visible(Owner viewer, String name) {
        return (viewer.isPlatform()
                        ? models.findOwned(Owner.PLATFORM, name)
                        : models.findVisible(viewer.tenantId(), name))
                .orElseThrow(() -> notFound(name));
    }

    Model owned(Owner owner, String name) {
        return models.findOwned(owner, name).orElseThrow(() -> notFound(name));
    }

    ModelDetails details(Model model) {
        ModelRepository.Summary summary = models.summary(model);
        return new ModelDetails(model, summary.aliases(), summary.latestVersion());
    }

    static void requireName(String value, String what) {
        if (!NAME.matcher(value).matches()) {
            throw ApiException.unprocessable("The " + what + " must match ^[a-z0-9][a-z0-9-]{0,62}$.");
        }
    }

    /** The tenant an audit record of the model concerns: none for the platform catalogue. */
    static String auditTenant(Model model) {
        return model.owner().isPlatform() ? null : model.tenantId;
    }

    static ApiException notFound(String name) {
        return ApiException.notFound("No model named '" + name + "'.");
    }

    static ApiException versionNotFound(String name, int version) {
        return ApiException.notFound("Model '" + name + "' has no version " + version + ".");
    }

    static Instant now() {
        // the database keeps microseconds; the API shows milliseconds: store what is shown, so cursors match
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    private void afterCommit(Runnable action) {
        txRegistry.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {}

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    action.run();
                }
            }
        });
    }
}
