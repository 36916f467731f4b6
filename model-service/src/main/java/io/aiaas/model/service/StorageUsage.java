package io.aiaas.model.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/**
 * What a tenant stores against its plan's {@code storageBytes}: its versions' archives (uploaded or trained), its
 * datasets' CSVs and its batch jobs' outputs. Whatever would pass the limit is refused (an upload with 413, a job's
 * result by failing the job {@code storage_exceeded}); two at once are decided one after the other under the
 * tenant's lock.
 */
@ApplicationScoped
public class StorageUsage {
    private final EntityManager em;

    public StorageUsage(EntityManager em) {
        this.em = em;
    }

    /** Bytes stored for the tenant now. */
    @Transactional(Transactional.TxType.MANDATORY)
    public long used(String tenantId) {
        Object total = em.createNativeQuery("SELECT COALESCE((SELECT SUM(size_bytes) FROM model_version"
                        + " WHERE tenant_id = ?1), 0) + COALESCE((SELECT SUM(size_bytes) FROM dataset"
                        + " WHERE tenant_id = ?1), 0) + COALESCE((SELECT SUM(size_bytes) FROM job_output"
                        + " WHERE tenant_id = ?1), 0)")
                .setParameter(1, tenantId)
                .getSingleResult();
        return ((Number) total).longValue();
    }

    /** Storing something would pass the tenant's {@code storageBytes}; the transaction that tried stores nothing. */
    public static final class Exceeded extends RuntimeException {
        public Exceeded(String message) {
            super(message);
        }
    }

    /**
     * Takes the tenant's storage lock and checks that {@code sizeBytes} more stay within {@code storageBytes}; the
     * caller stores them in this transaction, so the next decision under the lock counts them.
     *
     * @param what what is stored, for the message
     * @throws Exceeded when they would not (the transaction is marked for rollback)
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void reserve(String tenantId, long sizeBytes, long storageBytes, String what) {
        String refusal = refusal(tenantId, sizeBytes, storageBytes, what);
        if (refusal != null) {
            throw new Exceeded(refusal);
        }
    }

    /**
     * As {@link #reserve}, for a caller that goes on in the transaction when the bytes do not fit: takes the lock and
     * answers why they do not fit, or null when they do.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public String refusal(String tenantId, long sizeBytes, long storageBytes, String what) {
        lock(tenantId);
        long left = storageBytes - used(tenantId);
        if (sizeBytes <= left) {
            return null;
        }
        return "The " + what + "'s " + sizeBytes + " bytes exceed the " + Math.max(0, left)
                + " bytes of storage left (storageBytes " + storageBytes + ").";
    }

    /** Serialises the tenant's storage decisions until the transaction ends (an advisory lock: no row to lock). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void lock(String tenantId) {
        em.createNativeQuery("SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtext(?1))) AS locked")
                .setParameter(1, "storage:" + tenantId)
                .getSingleResult();
    }
}
