package io.aiaas.model.repository;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * {@code tenant_purge} and the chunked deletions of a deleted tenant's rows. Plain SQL: every statement names the
 * tenant, and the purge only ever deletes. The tenant ids given here are real tenants' ({@code ten_…}), never the
 * platform catalogue's marker: the caller checks that.
 */
@ApplicationScoped
public class TenantPurgeRepository {
    /**
     * The first key of the advisory locks that order purges against writes (two-key form: its key space never meets
     * the one-key locks elsewhere, such as the storage lock).
     */
    private static final int PURGE_LOCK_CLASS = 0x70757267; // "purg"

    private final EntityManager em;

    public TenantPurgeRepository(EntityManager em) {
        this.em = em;
    }

    /** A purge as stored. */
    public record Purge(String tenantId, Instant requestedAt, Instant finishedAt) {
        public boolean finished() {
            return finishedAt != null;
        }
    }

    /** What is left of a tenant's objects. */
    public record Remaining(long models, long versions, long datasets, long jobs) {
        public boolean none() {
            return models == 0 && versions == 0 && datasets == 0 && jobs == 0;
        }
    }

    /**
     * Waits until no transaction that writes the tenant's objects is open, and keeps new ones out until this
     * transaction ends (they take {@link #lockShared}).
     */
    public void lockExclusive(String tenantId) {
        em.createNativeQuery("SELECT 1 FROM (SELECT pg_advisory_xact_lock(?1, hashtext(?2))) AS locked")
                .setParameter(1, PURGE_LOCK_CLASS)
                .setParameter(2, tenantId)
                .getSingleResult();
    }

    /** Held by a transaction that writes the tenant's objects, until it ends; any number at once. */
    public void lockShared(String tenantId) {
        em.createNativeQuery("SELECT 1 FROM (SELECT pg_advisory_xact_lock_shared(?1, hashtext(?2))) AS locked")
                .setParameter(1, PURGE_LOCK_CLASS)
                .setParameter(2, tenantId)
                .getSingleResult();
    }

    /** Records the purge; false when it was recorded before (a redelivered event). */
    public boolean insert(String tenantId, Instant now) {
        return em.createNativeQuery("INSERT INTO tenant_purge (tenant_id, requested_at) VALUES (?1, ?2)"
                                + " ON CONFLICT (tenant_id) DO NOTHING")
                        .setParameter(1, tenantId)
                        .setParameter(2, now)
                        .executeUpdate()
                > 0;
    }

    public boolean exists(String tenantId) {
        return !em.createNativeQuery("SELECT 1 FROM tenant_purge WHERE tenant_id = ?1")
                .setParameter(1, tenantId)
                .getResultList()
                .isEmpty();
    }

    public Optional<Purge> find(String tenantId) {
        return purge(em.createNativeQuery(
                        "SELECT tenant_id, requested_at, finished_at FROM tenant_purge WHERE tenant_id = ?1")
                .setParameter(1, tenantId)
                .getResultList());
    }

    /**
     * The open purge, locked until the transaction ends; empty when it is finished, unknown, or another replica works
     * it now ({@code SKIP LOCKED}: replicas never wait on each other).
     */
    public Optional<Purge> lockOpen(String tenantId) {
        return purge(em.createNativeQuery("SELECT tenant_id, requested_at, finished_at FROM tenant_purge"
                        + " WHERE tenant_id = ?1 AND finished_at IS NULL FOR UPDATE SKIP LOCKED")
                .setParameter(1, tenantId)
                .getResultList());
    }

    /** Tenants whose purge is open, oldest first. */
    @SuppressWarnings("unchecked")
    public List<String> open(int limit) {
        return em.createNativeQuery("SELECT tenant_id FROM tenant_purge WHERE finished_at IS NULL"
                        + " ORDER BY requested_at, tenant_id LIMIT ?1")
                .setParameter(1, limit)
                .getResultList();
    }

    public void finish(String tenantId, Instant now) {
        em.createNativeQuery("UPDATE tenant_purge SET finished_at = ?2 WHERE tenant_id = ?1")
                .setParameter(1, tenantId)
                .setParameter(2, now)
                .executeUpdate();
    }

    public Remaining remaining(String tenantId) {
        Object[] row = (Object[]) em.createNativeQuery("SELECT (SELECT count(*) FROM model WHERE tenant_id = ?1),"
                        + " (SELECT count(*) FROM model_version WHERE tenant_id = ?1),"
                        + " (SELECT count(*) FROM dataset WHERE tenant_id = ?1),"
                        + " (SELECT count(*) FROM job WHERE tenant_id = ?1)")
                .setParameter(1, tenantId)
                .getSingleResult();
        return new Remaining(number(row[0]), number(row[1]), number(row[2]), number(row[3]));
    }

    /** Whether anything else of the tenant's is left: aliases, job events and outputs, idempotency keys, its slot. */
    public boolean anyOtherRows(String tenantId) {
        return !em.createNativeQuery("SELECT 1 WHERE EXISTS (SELECT 1 FROM model_alias WHERE tenant_id = ?1)"
                        + " OR EXISTS (SELECT 1 FROM job_output WHERE tenant_id = ?1)"
                        + " OR EXISTS (SELECT 1 FROM idempotency_key WHERE scope = ?1)"
                        + " OR EXISTS (SELECT 1 FROM tenant_slot WHERE tenant_id = ?1)")
                .setParameter(1, tenantId)
                .getResultList()
                .isEmpty();
    }

    // --- the chunks, each locking what it takes (SKIP LOCKED) and deleting it ---

    /** Up to {@code n} of the tenant's jobs still queued or running, locked. */
    @SuppressWarnings("unchecked")
    public List<String> lockJobsToCancel(String tenantId, int n) {
        return em.createNativeQuery("SELECT id FROM job WHERE tenant_id = ?1 AND status IN ('queued', 'running')"
                        + " ORDER BY id LIMIT ?2 FOR UPDATE SKIP LOCKED")
                .setParameter(1, tenantId)
                .setParameter(2, n)
                .getResultList();
    }

    /**
     * Up to {@code n} of the tenant's jobs that may go, locked: the ended ones, or all once {@code anyStatus} (the
     * running jobs' grace is over).
     */
    @SuppressWarnings("unchecked")
    public List<String> lockJobsToDelete(String tenantId, boolean anyStatus, int n) {
        return em.createNativeQuery("SELECT id FROM job WHERE tenant_id = ?1 AND (?2 OR status IN ('succeeded',"
                        + " 'failed', 'cancelled')) ORDER BY id LIMIT ?3 FOR UPDATE SKIP LOCKED")
                .setParameter(1, tenantId)
                .setParameter(2, anyStatus)
                .setParameter(3, n)
                .getResultList();
    }

    /** Deletes the jobs and what hangs off them (their event log and output parts). */
    public void deleteJobs(String tenantId, Collection<String> jobIds) {
        // job ids are "job_" and base62: a comma-separated list is unambiguous
        String ids = String.join(",", jobIds);
        for (String table : List.of("job_event", "job_output")) {
            em.createNativeQuery("DELETE FROM " + table + " WHERE job_id = ANY (string_to_array(?1, ','))")
                    .setParameter(1, ids)
                    .executeUpdate();
        }
        // Announced like new event rows, so streams that follow a deleted job learn it is gone (at commit).
        em.createNativeQuery(
                        "WITH gone AS (DELETE FROM job WHERE tenant_id = ?1 AND id = ANY (string_to_array(?2, ','))"
                                + " RETURNING id) SELECT count(CAST(pg_notify(?3, id) AS text)) FROM gone")
                .setParameter(1, tenantId)
                .setParameter(2, ids)
                .setParameter(3, JobEventRepository.CHANNEL)
                .getSingleResult();
    }

    public int deleteAliases(String tenantId, int n) {
        return em.createNativeQuery("DELETE FROM model_alias WHERE id IN (SELECT id FROM model_alias"
                        + " WHERE tenant_id = ?1 ORDER BY id LIMIT ?2 FOR UPDATE SKIP LOCKED)")
                .setParameter(1, tenantId)
                .setParameter(2, n)
                .executeUpdate();
    }

    /** A deleted version: its model and number, which name its directory. */
    public record VersionRef(String modelId, int version) {}

    /** Deletes up to {@code n} of the tenant's versions; returns which. */
    @SuppressWarnings("unchecked")
    public List<VersionRef> deleteVersions(String tenantId, int n) {
        List<Object[]> rows = em.createNativeQuery("WITH gone AS (DELETE FROM model_version WHERE id IN (SELECT id"
                        + " FROM model_version WHERE tenant_id = ?1 ORDER BY id LIMIT ?2 FOR UPDATE SKIP LOCKED)"
                        + " RETURNING model_id, version) SELECT model_id, version FROM gone")
                .setParameter(1, tenantId)
                .setParameter(2, n)
                .getResultList();
        return rows.stream()
                .map(r -> new VersionRef((String) r[0], ((Number) r[1]).intValue()))
                .toList();
    }

    /** A deleted model: what its {@code model.deleted} event names. */
    public record ModelRef(String id, String name) {}

    /** Deletes up to {@code n} of the tenant's models (what is left of their versions and aliases with them). */
    @SuppressWarnings("unchecked")
    public List<ModelRef> deleteModels(String tenantId, int n) {
        List<Object[]> rows = em.createNativeQuery("WITH gone AS (DELETE FROM model WHERE id IN (SELECT id FROM model"
                        + " WHERE tenant_id = ?1 ORDER BY id LIMIT ?2 FOR UPDATE SKIP LOCKED) RETURNING id, name)"
                        + " SELECT id, name FROM gone")
                .setParameter(1, tenantId)
                .setParameter(2, n)
                .getResultList();
        return rows.stream()
                .map(r -> new ModelRef((String) r[0], (String) r[1]))
                .toList();
    }

    /** Deletes up to {@code n} of the tenant's datasets; returns their files' paths (relative to the store). */
    @SuppressWarnings("unchecked")
    public List<String> deleteDatasets(String tenantId, int n) {
        return em.createNativeQuery("WITH gone AS (DELETE FROM dataset WHERE id IN (SELECT id FROM dataset"
                        + " WHERE tenant_id = ?1 ORDER BY id LIMIT ?2 FOR UPDATE SKIP LOCKED) RETURNING path)"
                        + " SELECT path FROM gone")
                .setParameter(1, tenantId)
                .setParameter(2, n)
                .getResultList();
    }

    /** Deletes up to {@code n} of the answers kept under the tenant's {@code Idempotency-Key}s. */
    public int deleteIdempotencyKeys(String tenantId, int n) {
        return em.createNativeQuery("DELETE FROM idempotency_key WHERE scope = ?1 AND idem_key IN (SELECT idem_key"
                        + " FROM idempotency_key WHERE scope = ?1 LIMIT ?2 FOR UPDATE SKIP LOCKED)")
                .setParameter(1, tenantId)
                .setParameter(2, n)
                .executeUpdate();
    }

    /** Deletes the tenant's slot row and output parts no job names any more (its jobs are gone). */
    public int deleteLeftovers(String tenantId) {
        int deleted = 0;
        for (String table : List.of("job_output", "tenant_slot")) {
            deleted += em.createNativeQuery("DELETE FROM " + table + " WHERE tenant_id = ?1")
                    .setParameter(1, tenantId)
                    .executeUpdate();
        }
        return deleted;
    }

    private static Optional<Purge> purge(List<?> rows) {
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Object[] r = (Object[]) rows.get(0);
        return Optional.of(new Purge((String) r[0], instant(r[1]), instant(r[2])));
    }

    private static Instant instant(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Instant i) {
            return i;
        }
        if (value instanceof OffsetDateTime o) {
            return o.toInstant();
        }
        if (value instanceof java.sql.Timestamp t) {
            return t.toInstant();
        }
        throw new IllegalStateException("unexpected timestamp type " + value.getClass());
    }

    private static long number(Object value) {
        return ((Number) value).longValue();
    }
}
