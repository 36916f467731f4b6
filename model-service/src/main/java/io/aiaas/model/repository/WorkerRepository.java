package io.aiaas.model.repository;

import io.aiaas.model.domain.Worker;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The worker fleet (platform data: no tenant). */
@ApplicationScoped
public class WorkerRepository implements PanacheRepositoryBase<Worker, String> {

    /** The worker's row locked until the transaction ends (a heartbeat), or empty for a new worker. */
    public Optional<Worker> lock(String id) {
        return find("id", id).withLock(LockModeType.PESSIMISTIC_WRITE).firstResultOptional();
    }

    /** Newest heartbeat first, after the cursor position if given. */
    public List<Worker> page(Instant afterHeartbeat, String afterId, int limit) {
        if (afterHeartbeat == null) {
            return find("order by lastHeartbeat desc, id desc").page(0, limit).list();
        }
        return find(
                        "lastHeartbeat < :at or (lastHeartbeat = :at and id < :id) order by lastHeartbeat desc, id desc",
                        Parameters.with("at", afterHeartbeat).and("id", afterId))
                .page(0, limit)
                .list();
    }

    /** Marks workers whose last heartbeat is before {@code cutoff} {@code lost}; returns how many. */
    public int markLost(Instant cutoff) {
        return update("status = ?1 where status <> ?1 and lastHeartbeat < ?2", Worker.LOST, cutoff);
    }
}
