package io.aiaas.model.repository;

import io.aiaas.model.domain.Job;
import io.aiaas.model.domain.JobView;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.TypedQuery;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A tenant's reads of its jobs as projections: the {@code request} column (inline inputs, up to tens of MiB) is never
 * loaded to answer a read, and list pages leave out {@code result} too, so a page of 100 jobs stays small whatever
 * the jobs carried. Every query takes the tenant from the verified context.
 */
@ApplicationScoped
public class JobViewRepository {
    private static final String VIEW = "select new " + JobView.class.getName()
            + "(j.id, j.type, j.status, j.modelName, j.version, j.createdAt, j.startedAt, j.finishedAt, j.progress, %s,"
            + " j.error, j.usage) from Job j";

    private static final String FIND = VIEW.formatted("j.result") + " where j.id = :id and j.tenantId = :tenant";

    /** Where a job's event stream starts: its status and the {@code seq} of its last event row. */
    public record StreamStart(String status, int eventSeq) {}

    private final EntityManager em;

    public JobViewRepository(EntityManager em) {
        this.em = em;
    }

    /** The tenant's job with its result. */
    public Optional<JobView> find(String tenantId, String jobId) {
        // A list, not a stream: a stream opens a scrollable cursor, which costs more than this one-row read.
        return em
                .createQuery(FIND, JobView.class)
                .setParameter("id", jobId)
                .setParameter("tenant", tenantId)
                .getResultList()
                .stream()
                .findFirst();
    }

    /** The tenant's job's status and last event seq, for its event stream. */
    public Optional<StreamStart> streamStart(String tenantId, String jobId) {
        return em
                .createQuery(
                        "select new " + StreamStart.class.getName() + "(j.status, j.eventSeq) from "
                                + Job.class.getSimpleName() + " j where j.id = :id and j.tenantId = :tenant",
                        StreamStart.class)
                .setParameter("id", jobId)
                .setParameter("tenant", tenantId)
                .getResultList()
                .stream()
                .findFirst();
    }

    /** Newest first with optional filters, after the cursor position if given; without {@code result}. */
    public List<JobView> page(
            String tenantId, String status, String type, Instant afterCreatedAt, String afterId, int limit) {
        StringBuilder query = new StringBuilder(VIEW.formatted("cast(null as String)"));
        query.append(" where j.tenantId = :tenant");
        if (status != null) {
            query.append(" and j.status = :status");
        }
        if (type != null) {
            query.append(" and j.type = :type");
        }
        if (afterCreatedAt != null) {
            query.append(" and (j.createdAt < :at or (j.createdAt = :at and j.id < :id))");
        }
        query.append(" order by j.createdAt desc, j.id desc");
        TypedQuery<JobView> q = em.createQuery(query.toString(), JobView.class).setParameter("tenant", tenantId);
        if (status != null) {
            q.setParameter("status", status);
        }
        if (type != null) {
            q.setParameter("type", type);
        }
        if (afterCreatedAt != null) {
            q.setParameter("at", afterCreatedAt).setParameter("id", afterId);
        }
        return q.setMaxResults(limit).getResultList();
    }
}
