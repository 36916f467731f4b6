package io.aiaas.model.service;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.events.JobStatus;
import io.aiaas.common.events.JobType;
import io.aiaas.common.page.Cursor;
import io.aiaas.common.page.Page;
import io.aiaas.common.page.PageRequest;
import io.aiaas.model.domain.Job;
import io.aiaas.model.repository.JobRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.util.List;

/** A tenant's view of its jobs. */
@ApplicationScoped
public class JobQueries {
    private final JobRepository jobs;

    public JobQueries(JobRepository jobs) {
        this.jobs = jobs;
    }

    @Transactional
    public Job get(String tenantId, String jobId) {
        return jobs.findOwned(tenantId, jobId).orElseThrow(() -> ApiException.notFound("No job '" + jobId + "'."));
    }

    @Transactional
    public Page<Job> list(String tenantId, String status, String type, PageRequest page) {
        String statusFilter = status == null || status.isEmpty() ? null : parseStatus(status);
        String typeFilter = type == null || type.isEmpty() ? null : parseType(type);
        Cursor after = page.after();
        List<Job> found = jobs.page(
                tenantId,
                statusFilter,
                typeFilter,
                after == null ? null : after.createdAt(),
                after == null ? null : after.id(),
                page.fetchSize());
        return page.page(found, j -> new Cursor(j.createdAt, j.id), j -> j);
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
