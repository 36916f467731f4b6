package io.aiaas.model.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.events.JobStatus;
import io.aiaas.common.events.JobType;
import io.aiaas.common.json.Json;
import io.aiaas.model.api.JobBodies.JobBody;
import io.aiaas.model.api.ListBody;
import io.aiaas.model.api.PageRequest;
import io.aiaas.model.domain.Job;
import io.aiaas.model.repository.JobRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.io.IOException;
import java.util.List;

/** A tenant's view of its jobs. */
@ApplicationScoped
public class JobQueries {
    private final JobRepository jobs;

    public JobQueries(JobRepository jobs) {
        this.jobs = jobs;
    }

    @Transactional
    public JobBody get(String tenantId, String jobId) {
        return jobs.findOwned(tenantId, jobId)
                .map(JobQueries::body)
                .orElseThrow(() -> ApiException.notFound("No job '" + jobId + "'."));
    }

    @Transactional
    public ListBody<JobBody> list(String tenantId, String status, String type, PageRequest page) {
        String statusFilter = status == null || status.isEmpty() ? null : parseStatus(status);
        String typeFilter = type == null || type.isEmpty() ? null : parseType(type);
        List<Job> found =
                jobs.page(tenantId, statusFilter, typeFilter, page.afterCreatedAt(), page.afterKey(), page.limit() + 1);
        boolean more = found.size() > page.limit();
        List<Job> items = more ? found.subList(0, page.limit()) : found;
        String next = null;
        if (more) {
            Job last = items.get(items.size() - 1);
            next = PageRequest.cursor(last.createdAt, last.id);
        }
        return new ListBody<>(items.stream().map(JobQueries::body).toList(), next);
    }

    static JobBody body(Job job) {
        return new JobBody(
                job.id,
                job.type,
                job.status,
                job.modelName,
                job.version,
                job.createdAt,
                job.startedAt,
                job.finishedAt,
                tree(job.progress),
                tree(job.result),
                tree(job.error),
                tree(job.usage));
    }

    private static JsonNode tree(String json) {
        if (json == null) {
            return null;
        }
        try {
            return Json.mapper().readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("stored job JSON unreadable", e);
        }
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
