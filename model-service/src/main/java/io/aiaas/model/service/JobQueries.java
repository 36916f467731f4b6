package io.aiaas.model.service;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.events.JobStatus;
import io.aiaas.common.events.JobType;
import io.aiaas.common.page.Cursor;
import io.aiaas.common.page.Page;
import io.aiaas.common.page.PageRequest;
import io.aiaas.model.domain.Job;
import io.aiaas.model.domain.JobView;
import io.aiaas.model.repository.JobRepository;
import io.aiaas.model.repository.JobViewRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.util.List;

/**
 * A tenant's view of its jobs. Reads are projections ({@link JobView}): a job's stored request (its inline inputs) is
 * never loaded to answer them.
 */
@ApplicationScoped
public class JobQueries {
    private final JobRepository jobs;
    private final JobViewRepository views;

    public JobQueries(JobRepository jobs, JobViewRepository views) {
        this.jobs = jobs;
        this.views = views;
    }

    /** The tenant's job as an entity, for changes (another tenant's is a 404). */
    @Transactional
    public Job get(String tenantId, String jobId) {
        return jobs.findOwned(tenantId, jobId).orElseThrow(() -> notFound(jobId));
    }

    /** The tenant's job with its result, without its request. */
    @Transactional
    public JobView view(String tenantId, String jobId) {
        return views.find(tenantId, jobId).orElseThrow(() -> notFound(jobId));
    }

    /** A page of the tenant's jobs, without their requests and results. */
    @Transactional
    public Page<JobView> list(String tenantId, String status, String type, PageRequest page) {
        String statusFilter = status == null || status.isEmpty() ? null : parseStatus(status);
        String typeFilter = type == null || type.isEmpty() ? null : parseType(type);
        Cursor after = page.after();
        List<JobView> found = views.page(
                tenantId,
                statusFilter,
                typeFilter,
                after == null ? null : after.createdAt(),
                after == null ? null : after.id(),
                page.fetchSize());
        return page.page(found, j -> new Cursor(j.createdAt(), j.id()), j -> j);
    }

    static ApiException notFound(String jobId) {
        return ApiException.notFound("No job '" + jobId + "'.");
    }

    private static String parseStatus(String status) {
        try {
            return JobStatus.fromWire(status).wire();
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(
                    "'status' is one of queued, running, succeeded, failed, cancelling, " + "cancelled.");
        }
    }

    private static String parseType(String type) {
        try {
            return JobType.fromWire(type).wire();
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("'type' is inference or training.");
        }
    }
}
