package io.aiaas.model.repository;

import io.aiaas.model.domain.JobEventSeen;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;

@ApplicationScoped
public class JobEventSeenRepository implements PanacheRepositoryBase<JobEventSeen, String> {

    /** Records {@code eventId}; false when it was recorded before (a redelivery). */
    public boolean markSeen(String eventId, String jobId, Instant at) {
        int inserted = getEntityManager()
                .createNativeQuery("INSERT INTO job_event_seen (event_id, job_id, seen_at) VALUES (?1, ?2, ?3)"
                        + " ON CONFLICT (event_id) DO NOTHING")
                .setParameter(1, eventId)
                .setParameter(2, jobId)
                .setParameter(3, at)
                .executeUpdate();
        return inserted == 1;
    }

    public long forgetOlderThan(Instant cutoff) {
        return delete("seenAt < ?1", cutoff);
    }
}
