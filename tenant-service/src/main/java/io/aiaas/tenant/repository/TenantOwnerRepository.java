package io.aiaas.tenant.repository;

import io.aiaas.tenant.domain.TenantOwner;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Tenant owners and the provisioning and removal work on them. */
@ApplicationScoped
public class TenantOwnerRepository implements PanacheRepositoryBase<TenantOwner, Long> {

    /** The rows that still name a tenant's owner (normally one). */
    public List<TenantOwner> currentOf(String tenantId) {
        return list(
                "tenantId = ?1 and status in ?2",
                tenantId,
                List.of(TenantOwner.PENDING, TenantOwner.PROVISIONED, TenantOwner.FAILED));
    }

    /** The current owner of each tenant that has one. */
    public Map<String, TenantOwner> currentOf(Collection<String> tenantIds) {
        if (tenantIds.isEmpty()) {
            return Map.of();
        }
        return list(
                        "tenantId in ?1 and status in ?2",
                        tenantIds,
                        List.of(TenantOwner.PENDING, TenantOwner.PROVISIONED, TenantOwner.FAILED))
                .stream()
                .collect(Collectors.toMap(o -> o.tenantId, Function.identity(), (a, b) -> a.id > b.id ? a : b));
    }

    /**
     * Up to {@code n} rows with work due, locked; rows another replica holds are skipped, so replicas share the work
     * without waiting on each other.
     */
    @SuppressWarnings("unchecked")
    public List<TenantOwner> claimDue(Instant now, int n) {
        return getEntityManager()
                .createNativeQuery(
                        "SELECT * FROM tenant_owner WHERE status IN ('pending', 'removing') AND next_attempt_at <= ?1"
                                + " ORDER BY next_attempt_at LIMIT ?2 FOR UPDATE SKIP LOCKED",
                        TenantOwner.class)
                .setParameter(1, now)
                .setParameter(2, n)
                .getResultList();
    }

    public Optional<TenantOwner> findForUpdate(long id) {
        return find("id", id)
                .withLock(jakarta.persistence.LockModeType.PESSIMISTIC_WRITE)
                .firstResultOptional();
    }
}
