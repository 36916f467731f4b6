package io.aiaas.model.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/**
 * What a tenant stores against its plan's {@code storageBytes}: its versions' archives, its datasets' CSVs and its
 * batch jobs' outputs. Uploads
 * that would pass the limit are refused; two at once are decided one after the other under the tenant's lock.
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

    /** Serialises the tenant's storage decisions until the transaction ends (an advisory lock: no row to lock). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void lock(String tenantId) {
        em.createNativeQuery("SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtext(?1))) AS locked")
                .setParameter(1, "storage:" + tenantId)
                .getSingleResult();
    }
}
