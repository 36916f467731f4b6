package io.aiaas.model.repository;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.FlushModeType;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * {@code tenant_slot}: per tenant, its plan's {@code concurrentJobs} and how many of its jobs hold a slot. Every change
 * of {@code in_use} happens under {@link #lock}; plain SQL, as the row is only ever locked, read and counted.
 */
@ApplicationScoped
public class TenantSlotRepository {

    /** A tenant's slots as locked. */
    public record Slot(String tenantId, int limit, int inUse, boolean suspended) {
        public int free() {
            return suspended ? 0 : Math.max(0, limit - inUse);
        }
    }

    private final EntityManager em;

    public TenantSlotRepository(EntityManager em) {
        this.em = em;
    }

    /** The tenant's limit as stored, read without a lock (submissions must not queue on the tenant's row). */
    public Optional<Integer> limit(String tenantId) {
        List<?> rows = em.createNativeQuery("SELECT concurrent_limit FROM tenant_slot WHERE tenant_id = ?1")
                .setParameter(1, tenantId)
                .getResultList();
        return rows.isEmpty() ? Optional.empty() : Optional.of(((Number) rows.get(0)).intValue());
    }

    /** Creates the tenant's row if it is missing, else sets its limit (only where it differs). */
    public void upsertLimit(String tenantId, int limit, Instant now) {
        em.createNativeQuery("INSERT INTO tenant_slot (tenant_id, concurrent_limit, in_use, suspended, updated_at)"
                        + " VALUES (?1, ?2, 0, false, ?3) ON CONFLICT (tenant_id) DO UPDATE"
                        + " SET concurrent_limit = EXCLUDED.concurrent_limit, updated_at = EXCLUDED.updated_at"
                        + " WHERE tenant_slot.concurrent_limit <> EXCLUDED.concurrent_limit")
                .setParameter(1, tenantId)
                .setParameter(2, limit)
                .setParameter(3, now)
                .executeUpdate();
    }

    /** The tenant's row, locked until the transaction ends; empty when the tenant never submitted a job. */
    @SuppressWarnings("unchecked")
    public Optional<Slot> lock(String tenantId) {
        List<Object[]> rows = em.createNativeQuery("SELECT tenant_id, concurrent_limit, in_use, suspended"
                        + " FROM tenant_slot WHERE tenant_id = ?1 FOR UPDATE")
                .setParameter(1, tenantId)
                .setFlushMode(FlushModeType.COMMIT) // reads this table alone: no entity needs flushing first
                .getResultList();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Object[] r = rows.get(0);
        return Optional.of(
                new Slot((String) r[0], ((Number) r[1]).intValue(), ((Number) r[2]).intValue(), (Boolean) r[3]));
    }

    /** Adds {@code delta} to {@code in_use} (never below 0); call only while holding {@link #lock}. */
    public void addInUse(String tenantId, int delta, Instant now) {
        em.createNativeQuery("UPDATE tenant_slot SET in_use = GREATEST(0, in_use + ?2), updated_at = ?3"
                        + " WHERE tenant_id = ?1")
                .setParameter(1, tenantId)
                .setParameter(2, delta)
                .setParameter(3, now)
                .setFlushMode(FlushModeType.COMMIT) // this table alone: no entity needs flushing first
                .executeUpdate();
    }

    /**
     * Sets the tenant's suspension; a tenant not seen before gets a row with {@code defaultLimit}, so that its first
     * jobs wait too.
     */
    public void setSuspended(String tenantId, boolean suspended, int defaultLimit, Instant now) {
        em.createNativeQuery("INSERT INTO tenant_slot (tenant_id, concurrent_limit, in_use, suspended, updated_at)"
                        + " VALUES (?1, ?2, 0, ?3, ?4) ON CONFLICT (tenant_id) DO UPDATE"
                        + " SET suspended = EXCLUDED.suspended, updated_at = EXCLUDED.updated_at")
                .setParameter(1, tenantId)
                .setParameter(2, defaultLimit)
                .setParameter(3, suspended)
                .setParameter(4, now)
                .executeUpdate();
    }

    /**
     * Tenants that have jobs waiting for a slot and, as far as an unlocked read tells, a free slot: the scheduler's
     * candidates (it checks again under the lock).
     */
    @SuppressWarnings("unchecked")
    public List<String> tenantsWithWaitingJobs(int limit) {
        return em.createNativeQuery("SELECT s.tenant_id FROM tenant_slot s WHERE NOT s.suspended"
                        + " AND s.in_use < s.concurrent_limit AND EXISTS (SELECT 1 FROM job j WHERE j.tenant_id ="
                        + " s.tenant_id AND j.status = 'queued' AND j.dispatched_at IS NULL) ORDER BY s.updated_at"
                        + " LIMIT ?1")
                .setParameter(1, limit)
                .getResultList();
    }
}
