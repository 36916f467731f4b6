package io.aiaas.model.repository;

import io.aiaas.model.domain.Job;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Jobs. Tenant queries take the tenant from the verified context; {@link #lockForWorker} serves the platform's own
 * components (claims, job events), which check the tenant the job carries.
 */
@ApplicationScoped
public class JobRepository implements PanacheRepositoryBase<Job, String> {

    public Optional<Job> findOwned(String tenantId, String jobId) {
        return find("id = ?1 and tenantId = ?2", jobId, tenantId).firstResultOptional();
    }

    /**
     * A job locked until the transaction ends, for a worker's claim or event. A lookup by id, not a query: it flushes
     * nothing, and a job this transaction already locked ({@link #lockAllForWorker}) costs no statement.
     */
    public Optional<Job> lockForWorker(String jobId) {
        return Optional.ofNullable(getEntityManager().find(Job.class, jobId, LockModeType.PESSIMISTIC_WRITE));
    }

    /** The jobs of these ids that exist, locked in id order until the transaction ends (a worker's batch claim). */
    public List<Job> lockAllForWorker(Collection<String> jobIds) {
        if (jobIds.isEmpty()) {
            return List.of();
        }
        return find("id in ?1 order by id", jobIds)
                .withLock(LockModeType.PESSIMISTIC_WRITE)
                .list();
    }

    /** The tenant's job locked until the transaction ends (a cancellation). */
    public Optional<Job> lockOwned(String tenantId, String jobId) {
        return find("id = ?1 and tenantId = ?2", jobId, tenantId)
                .withLock(LockModeType.PESSIMISTIC_WRITE)
                .firstResultOptional();
    }

    /** A job just dispatched: its id, its lean dispatch record (no inputs, no spec) and the request that made it. */
    public record Dispatched(String jobId, String leanRequest, String requestId, String traceparent) {}

    /**
     * Dispatches the tenant's oldest waiting jobs, at most {@code max}: sets {@code dispatched_at} on rows no other
     * transaction holds ({@code SKIP LOCKED}) and returns them oldest first. The lean record is cut in SQL, so inline
     * inputs are never read into this service again.
     */
    @SuppressWarnings("unchecked")
    public List<Dispatched> dispatchWaiting(String tenantId, int max, Instant now) {
        List<Object[]> rows = getEntityManager()
                .createNativeQuery("WITH picked AS (SELECT id FROM job WHERE tenant_id = ?1 AND status = 'queued'"
                        + " AND dispatched_at IS NULL ORDER BY created_at, id LIMIT ?2 FOR UPDATE SKIP LOCKED),"
                        + " done AS (UPDATE job SET dispatched_at = ?3, updated_at = ?3 FROM picked WHERE job.id ="
                        + " picked.id RETURNING job.id, job.created_at, CAST(job.request - 'inputs' - 'spec' AS"
                        + " text), job.request_id, job.traceparent) SELECT * FROM done ORDER BY created_at, id")
                .setParameter(1, tenantId)
                .setParameter(2, max)
                .setParameter(3, now)
                .getResultList();
        return rows.stream()
                .map(r -> new Dispatched((String) r[0], (String) r[2], (String) r[3], (String) r[4]))
                .toList();
    }

    /** Ids of jobs whose lease lapsed before {@code now}, oldest lapse first (read without locks). */
    public List<String> lapsedLeases(Instant now, int limit) {
        return getEntityManager()
                .createQuery(
                        "select j.id from Job j where j.status in ('running', 'cancelling') and j.leaseExpiresAt < ?1"
                                + " order by j.leaseExpiresAt",
                        String.class)
                .setParameter(1, now)
                .setMaxResults(limit)
                .getResultList();
    }

    /** The job locked, if its lease lapsed before {@code now} and no other transaction holds it. */
    public Optional<Job> lockIfLapsed(String jobId, Instant now) {
        return find("id = ?1 and status in ('running', 'cancelling') and leaseExpiresAt < ?2", jobId, now)
                .withLock(LockModeType.PESSIMISTIC_WRITE)
                .withHint("jakarta.persistence.lock.timeout", -2)
                .firstResultOptional();
    }

    /**
     * Renews the lease {@code workerId} holds on the job for {@code attempt}; the job's status ({@code running} or
     * {@code cancelling}) when it did, empty when the worker does not hold it. One statement, without reading the job's
     * request or result into this service.
     */
    @SuppressWarnings("unchecked")
    public Optional<String> renewLease(String jobId, String workerId, int attempt, Instant until) {
        List<String> status = getEntityManager()
                .createNativeQuery("WITH renewed AS (UPDATE job SET lease_expires_at = ?1 WHERE id = ?2 AND"
                        + " lease_worker = ?3 AND attempt = ?4 AND status IN ('running', 'cancelling') RETURNING"
                        + " status) SELECT status FROM renewed")
                .setParameter(1, until)
                .setParameter(2, jobId)
                .setParameter(3, workerId)
                .setParameter(4, attempt)
                .getResultList();
        return status.stream().findFirst();
    }

    /** Makes every lease {@code workerId} holds lapse now, except those of the listed jobs: a restarted worker's. */
    public int lapseLeasesOf(String workerId, java.util.Collection<String> exceptJobIds, Instant now) {
        if (exceptJobIds.isEmpty()) {
            return update(
                    "leaseExpiresAt = ?1 where leaseWorker = ?2 and status in ('running', 'cancelling')",
                    now,
                    workerId);
        }
        return update(
                "leaseExpiresAt = ?1 where leaseWorker = ?2 and status in ('running', 'cancelling') and id not in ?3",
                now,
                workerId,
                exceptJobIds);
    }
}
