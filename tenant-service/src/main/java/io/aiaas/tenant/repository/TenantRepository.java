package io.aiaas.tenant.repository;

import io.aiaas.common.page.Cursor;
import io.aiaas.tenant.domain.Tenant;
import io.aiaas.tenant.domain.TenantStatus;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.util.List;
import java.util.Optional;

/** Tenants; a deleted tenant is invisible to every lookup here. */
@ApplicationScoped
public class TenantRepository implements PanacheRepositoryBase<Tenant, String> {
    private static final Sort NEWEST_FIRST = Sort.descending("createdAt", "id");

    public Optional<Tenant> findExisting(String id) {
        return find("id = ?1 and status <> ?2", id, TenantStatus.DELETED).firstResultOptional();
    }

    /** The tenant, locked for an update of its status or plan. */
    public Optional<Tenant> findExistingForUpdate(String id) {
        return find("id = ?1 and status <> ?2", id, TenantStatus.DELETED)
                .withLock(LockModeType.PESSIMISTIC_WRITE)
                .firstResultOptional();
    }

    public boolean nameTaken(String name, String exceptId) {
        return count(
                        "lower(name) = lower(?1) and status <> ?2 and id <> ?3",
                        name,
                        TenantStatus.DELETED,
                        exceptId == null ? "" : exceptId)
                > 0;
    }

    public boolean planInUse(String plan) {
        return count("plan = ?1 and status <> ?2", plan, TenantStatus.DELETED) > 0;
    }

    /** Up to {@code n} tenants after {@code after}, newest first. */
    public List<Tenant> listAfter(Cursor after, int n) {
        var query = after == null
                ? find("status <> ?1", NEWEST_FIRST, TenantStatus.DELETED)
                : find(
                        "status <> ?1 and (createdAt < ?2 or (createdAt = ?2 and id < ?3))",
                        NEWEST_FIRST,
                        TenantStatus.DELETED,
                        after.createdAt(),
                        after.id());
        return query.range(0, n - 1).list();
    }
}
