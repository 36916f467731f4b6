package io.aiaas.model.repository;

import io.aiaas.model.domain.Dataset;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** A tenant's datasets; every query takes the tenant from the verified context. */
@ApplicationScoped
public class DatasetRepository implements PanacheRepositoryBase<Dataset, String> {

    public Optional<Dataset> findOwned(String tenantId, String id) {
        return find("id = ?1 and tenantId = ?2", id, tenantId).firstResultOptional();
    }

    /**
     * The tenant's dataset, locked against deletion ({@code FOR SHARE}) until the transaction ends: a job admitted
     * over it commits before a deletion can count the jobs using it, and a deletion under way is waited for (the
     * dataset is then gone). Admissions do not wait for each other.
     */
    public Optional<Dataset> findOwnedForJob(String tenantId, String id) {
        return find("id = ?1 and tenantId = ?2", id, tenantId)
                .withLock(LockModeType.PESSIMISTIC_READ)
                .firstResultOptional();
    }

    /** Newest first, after the cursor position if given. */
    public List<Dataset> page(String tenantId, Instant afterCreatedAt, String afterId, int limit) {
        if (afterCreatedAt == null) {
            return find("tenantId = :tenant order by createdAt desc, id desc", Parameters.with("tenant", tenantId))
                    .page(0, limit)
                    .list();
        }
        return find(
                        "tenantId = :tenant and (createdAt < :at or (createdAt = :at and id < :id))"
                                + " order by createdAt desc, id desc",
                        Parameters.with("tenant", tenantId)
                                .and("at", afterCreatedAt)
                                .and("id", afterId))
                .page(0, limit)
                .list();
    }
}
