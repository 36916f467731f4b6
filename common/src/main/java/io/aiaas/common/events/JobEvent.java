package io.aiaas.common.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * A job's status change or progress on {@link Topics#JOB_EVENTS}, keyed by job id. {@code usage} comes on the terminal
 * event. {@code eventId} is stable for a given job, attempt and status, so redeliveries are recognised.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobEvent(
        String eventId,
        String jobId,
        String tenantId,
        int attempt,
        JobStatus status,
        JobProgress progress,
        JsonNode result,
        JobError error,
        JobUsage usage,
        String workerId,
        Instant at) {}
