package io.aiaas.model.service;

import io.aiaas.common.json.Json;
import io.aiaas.model.domain.Job;
import io.aiaas.model.repository.JobEventRepository;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A job's history as its event stream shows it: every status change and every applied progress, appended in the
 * transaction that makes the change (under the job's row lock, or to a job not yet committed), numbered from 1.
 */
@ApplicationScoped
public class JobEventLog {
    public static final String STATUS = "status";
    public static final String PROGRESS = "progress";

    private final JobEventRepository events;

    public JobEventLog(JobEventRepository events) {
        this.events = events;
    }

    /** The job's current status, as event {@code status} with data {@code {"status","at"}}. */
    public void status(Job job, Instant at) {
        append(job, STATUS, statusData(job.status, at), at);
    }

    /** The data of a {@code status} event: {@code {"status","at"}}. */
    static String statusData(String status, Instant at) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("status", status);
        data.put("at", at);
        return Json.write(data);
    }

    /** The job's current progress (its JSON column), as event {@code progress}. */
    public void progress(Job job, Instant at) {
        append(job, PROGRESS, job.progress, at);
    }

    private void append(Job job, String kind, String json, Instant at) {
        job.eventSeq++;
        events.append(job.id, job.eventSeq, kind, json, at);
    }
}
