package io.aiaas.model.repository;

import io.aiaas.model.domain.Job;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
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
}
