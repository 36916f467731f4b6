package io.aiaas.model.repository;

import com.fasterxml.jackson.core.type.TypeReference;
import io.aiaas.common.json.Json;
import io.aiaas.model.domain.Model;
import io.aiaas.model.domain.Owner;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Models; every query names the owner the caller's verified context gives. */
@ApplicationScoped
public class ModelRepository implements PanacheRepositoryBase<Model, String> {

    public Optional<Model> findOwned(Owner owner, String name) {
        return find("tenantId = ?1 and name = ?2", owner.tenantId(), name).firstResultOptional();
    }

    /** The owner's model, locked until the transaction ends (version numbers are allocated under this lock). */
    public Optional<Model> lockOwned(Owner owner, String name) {
        return find("tenantId = ?1 and name = ?2", owner.tenantId(), name)
                .withLock(LockModeType.PESSIMISTIC_WRITE)
                .firstResultOptional();
    }

    /**
     * Inserts the model unless its owner has one of that name; true when this inserted it. A concurrent insert of the
     * same name waits for the other transaction and, once that one committed, inserts nothing (no unique violation).
     */
    public boolean insertIfAbsent(Model model) {
        return getEntityManager()
                        .createNativeQuery("INSERT INTO model (id, tenant_id, name, description, next_version,"
                                + " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                                + " ON CONFLICT (tenant_id, name) DO NOTHING")
                        .setParameter(1, model.id)
                        .setParameter(2, model.tenantId)
                        .setParameter(3, model.name)
                        .setParameter(4, model.description)
                        .setParameter(5, model.nextVersion)
                        .setParameter(6, model.createdAt)
                        .setParameter(7, model.updatedAt)
                        .executeUpdate()
                > 0;
    }

    /** What {@code name} means to a tenant: its own model, else the platform catalogue's. */
    public Optional<Model> findVisible(String tenantId, String name) {
        return find(
                        "tenantId in (?1, ?2) and name = ?3 order by case when tenantId = ?1 then 0 else 1 end",
                        tenantId,
                        Owner.PLATFORM_MARKER,
                        name)
                .firstResultOptional();
    }

    public Optional<Model> findOwnedById(Owner owner, String modelId) {
        return find("id = ?1 and tenantId = ?2", modelId, owner.tenantId()).firstResultOptional();
    }

    /** A model by id, if {@code tenantId} may read it (its own or the platform's). */
    public Optional<Model> findVisibleById(String tenantId, String modelId) {
        return find("id = ?1 and tenantId in (?2, ?3)", modelId, tenantId, Owner.PLATFORM_MARKER)
                .firstResultOptional();
    }

    /** A model's aliases (name → version, by name) and newest version, read together in one round trip. */
    public record Summary(Map<String, Integer> aliases, Integer latestVersion) {}

    public Summary summary(Model model) {
        Object[] row = (Object[]) getEntityManager()
                .createNativeQuery("SELECT (SELECT max(v.version) FROM model_version v"
                        + " WHERE v.model_id = ?1 AND v.tenant_id = ?2),"
                        + " (SELECT json_object_agg(a.alias, a.version ORDER BY a.alias)::text FROM model_alias a"
                        + " WHERE a.model_id = ?1 AND a.tenant_id = ?2)")
                .setParameter(1, model.id)
                .setParameter(2, model.tenantId)
                .getSingleResult();
        Map<String, Integer> aliases = new LinkedHashMap<>();
        if (row[1] != null) {
            try {
                aliases = Json.mapper().readValue(row[1].toString(), ALIASES);
            } catch (java.io.IOException e) {
                throw new IllegalStateException("aliases of " + model.id + " unreadable", e);
            }
        }
        return new Summary(aliases, row[0] == null ? null : ((Number) row[0]).intValue());
    }

    private static final TypeReference<LinkedHashMap<String, Integer>> ALIASES = new TypeReference<>() {};

    /** Newest first, after the cursor position if given, for the given owners. */
    public List<Model> page(List<String> owners, Instant afterCreatedAt, String afterId, int limit) {
        if (afterCreatedAt == null) {
            return find("tenantId in :owners order by createdAt desc, id desc", Parameters.with("owners", owners))
                    .page(0, limit)
                    .list();
        }
        return find(
                        "tenantId in :owners and (createdAt < :at or (createdAt = :at and id < :id))"
                                + " order by createdAt desc, id desc",
                        Parameters.with("owners", owners)
                                .and("at", afterCreatedAt)
                                .and("id", afterId))
                .page(0, limit)
                .list();
    }
}
