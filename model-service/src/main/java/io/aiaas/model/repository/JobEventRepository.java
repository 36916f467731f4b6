package io.aiaas.model.repository;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.FlushModeType;
import java.time.Instant;
import java.util.List;

/**
 * The append-only {@code job_event} table: each job's status changes and progress in order, for its event stream.
 * Plain SQL: rows are written once and read in ranges, never managed as entities.
 */
@ApplicationScoped
public class JobEventRepository {
    /** The PostgreSQL channel that learns, at each commit, the id of every job with new rows. */
    public static final String CHANNEL = "aiaas_job_events";

    /** One row: {@code kind} {@code status} or {@code progress}, {@code data} its JSON. */
    public record Row(String jobId, int seq, String kind, String data, Instant at) {}

    private final EntityManager em;

    public JobEventRepository(EntityManager em) {
        this.em = em;
    }

    /**
     * Inserts the row and announces it on {@link #CHANNEL}; both take effect when the transaction commits. One
     * statement (the notification reads the inserted row), so one round trip to the database per event.
     */
    public void append(String jobId, int seq, String kind, String json, Instant at) {
        em.createNativeQuery("WITH added AS (INSERT INTO job_event (job_id, seq, kind, data, at)"
                        + " VALUES (?1, ?2, ?3, CAST(?4 AS jsonb), ?5) RETURNING job_id)"
                        + " SELECT CAST(pg_notify(?6, job_id) AS text) FROM added")
                .setParameter(1, jobId)
                .setParameter(2, seq)
                .setParameter(3, kind)
                .setParameter(4, json)
                .setParameter(5, at)
                .setParameter(6, CHANNEL)
                // No flush of the session first: the row depends on nothing unflushed, and under a batch of
                // events a flush before each one dirty-checked every job loaded so far.
                .setFlushMode(FlushModeType.COMMIT)
                .getSingleResult();
    }

    /** The job's rows after {@code afterSeq}, in order, at most {@code limit}. */
    @SuppressWarnings("unchecked")
    public List<Row> since(String jobId, int afterSeq, int limit) {
        List<Object[]> rows = em.createNativeQuery("SELECT job_id, seq, kind, CAST(data AS text), at FROM job_event"
                        + " WHERE job_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3")
                .setParameter(1, jobId)
                .setParameter(2, afterSeq)
                .setParameter(3, limit)
                .getResultList();
        return rows.stream()
                .map(r -> new Row(
                        (String) r[0], ((Number) r[1]).intValue(), (String) r[2], (String) r[3], toInstant(r[4])))
                .toList();
    }

    private static Instant toInstant(Object value) {
        if (value instanceof Instant instant) {
            return instant;
        }
        if (value instanceof java.time.OffsetDateTime odt) {
            return odt.toInstant();
        }
        return ((java.sql.Timestamp) value).toInstant();
    }
}
