package io.aiaas.model.repository;

import io.aiaas.model.domain.Job;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Instant;
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

    public Optional<Job> findByIdempotencyKey(String tenantId, String key) {
        return find("tenantId = ?1 and idempotencyKey = ?2", tenantId, key).firstResultOptional();
    }

    /** A job locked until the transaction ends, for a worker's claim or event. */
    public Optional<Job> lockForWorker(String jobId) {
        return find("id", jobId).withLock(LockModeType.PESSIMISTIC_WRITE).firstResultOptional();
    }

    /** Newest first with optional filters, after the cursor position if given. */
    public List<Job> page(
            String tenantId, String status, String type, Instant afterCreatedAt, String afterId, int limit) {
        StringBuilder query = new StringBuilder("tenantId = :tenant");
        Parameters params = Parameters.with("tenant", tenantId);
        if (status != null) {
            query.append(" and status = :status");
            params.and("status", status);
        }
        if (type != null) {
            query.append(" and type = :type");
            params.and("type", type);
        }
        if (afterCreatedAt != null) {
            query.append(" and (createdAt < :at or (createdAt = :at and id < :id))");
            params.and("at", afterCreatedAt).and("id", afterId);
        }
        query.append(" order by createdAt desc, id desc");
        return find(query.toString(), params).page(0, limit).list();
    }
}
