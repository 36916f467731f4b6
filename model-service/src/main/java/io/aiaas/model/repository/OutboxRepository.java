package io.aiaas.model.repository;

import io.aiaas.model.domain.OutboxRecord;
import io.quarkus.hibernate.orm.panache.PanacheRepository;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

@ApplicationScoped
public class OutboxRepository implements PanacheRepository<OutboxRecord> {

    /**
     * The oldest pending rows, locked; rows another replica is publishing are skipped rather than waited for, so
     * replicas share the work and never publish a row twice at once.
     */
    @SuppressWarnings("unchecked")
    public List<OutboxRecord> lockBatch(int limit) {
        return getEntityManager()
                .createNativeQuery(
                        "SELECT * FROM outbox ORDER BY id LIMIT ?1 FOR UPDATE SKIP LOCKED", OutboxRecord.class)
                .setParameter(1, limit)
                .getResultList();
    }

    public long pending() {
        return count();
    }
}
