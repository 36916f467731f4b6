package io.aiaas.tenant.repository;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.List;

/**
 * Deleted tenants whose API-key rows are still there, and the removal of those rows. Plain SQL: {@code keys_purged_at}
 * is this concern's alone, and the rows are only ever counted and deleted.
 */
@ApplicationScoped
public class DeletedTenantRepository {
    private final EntityManager em;

    public DeletedTenantRepository(EntityManager em) {
        this.em = em;
    }

    /** Deleted tenants whose keys were not yet removed, longest deleted first (read without locks). */
    @SuppressWarnings("unchecked")
    public List<String> withKeysLeft(int limit) {
        return em.createNativeQuery("SELECT id FROM tenant WHERE status = 'deleted' AND keys_purged_at IS NULL"
                        + " ORDER BY updated_at, id LIMIT ?1")
                .setParameter(1, limit)
                .getResultList();
    }

    /**
     * Locks the deleted tenant's row until the transaction ends, unless its keys are removed already or another
     * replica holds it ({@code SKIP LOCKED}); whether it did.
     */
    public boolean lockWithKeysLeft(String tenantId) {
        return !em.createNativeQuery("SELECT id FROM tenant WHERE id = ?1 AND status = 'deleted'"
                        + " AND keys_purged_at IS NULL FOR UPDATE SKIP LOCKED")
                .setParameter(1, tenantId)
                .getResultList()
                .isEmpty();
    }

    /** Deletes up to {@code n} of the tenant's key rows; how many. */
    public int deleteKeys(String tenantId, int n) {
        return em.createNativeQuery("DELETE FROM api_key WHERE key_id IN (SELECT key_id FROM api_key"
                        + " WHERE tenant_id = ?1 LIMIT ?2)")
                .setParameter(1, tenantId)
                .setParameter(2, n)
                .executeUpdate();
    }

    public void markKeysPurged(String tenantId, Instant now) {
        em.createNativeQuery("UPDATE tenant SET keys_purged_at = ?2 WHERE id = ?1")
                .setParameter(1, tenantId)
                .setParameter(2, now)
                .executeUpdate();
    }
}
