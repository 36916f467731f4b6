package io.aiaas.worker.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.events.JobError;
import io.aiaas.common.events.JobEvent;
import io.aiaas.common.events.JobRequest;
import io.aiaas.common.events.JobStatus;
import io.aiaas.common.events.JobUsage;
import io.aiaas.common.events.UsageData;
import io.aiaas.common.events.UsageEvent;
import io.aiaas.common.json.Json;
import io.aiaas.messaging.KafkaSettings;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * What a job yields at its end, published together in one Kafka transaction: its terminal event and, when it is billed
 * (succeeded, cancelled), its usage event {@code usage-<jobId>}.
 */
public record JobResult(RunningJob job, JobEvent terminal, UsageEvent usage) {
    /** Leaves room for the envelope and headers when a result is checked against the record size limit. */
    private static final int RESULT_HEADROOM_BYTES = 64 * 1024;

    /** The terminal event (a failure in its place when the result would not fit one record) and its usage event. */
    public static JobResult of(RunningJob job, JobOutcome outcome, String workerId, Instant at) {
        JobRequest request = job.job();
        String eventId = job.nextEventId();
        JobEvent event;
        UsageData billed = null;
        if (outcome instanceof JobOutcome.Succeeded ok) {
            event = event(eventId, job, JobStatus.SUCCEEDED, ok.result(), null, ok.usage(), workerId, at);
            billed = ok.billed();
        } else if (outcome instanceof JobOutcome.Cancelled c) {
            event = event(eventId, job, JobStatus.CANCELLED, null, null, c.usage(), workerId, at);
            billed = c.billed();
        } else {
            event = event(
                    eventId, job, JobStatus.FAILED, null, ((JobOutcome.Failed) outcome).error(), null, workerId, at);
        }
        if (outcome instanceof JobOutcome.Succeeded
                && Json.write(event).getBytes(StandardCharsets.UTF_8).length
                        > KafkaSettings.MAX_RECORD_BYTES - RESULT_HEADROOM_BYTES) {
            event = event(
                    eventId,
                    job,
                    JobStatus.FAILED,
                    null,
                    new JobError(
                            JobFailedException.UNPROCESSABLE,
                            "The result is too large to return inline; use a batch inference job."),
                    null,
                    workerId,
                    at);
            return new JobResult(job, event, null);
        }
        UsageEvent usage = billed == null ? null : UsageEvent.forJob(request.jobId(), request.type(), billed, at);
        return new JobResult(job, event, usage);
    }

    private static JobEvent event(
            String eventId,
            RunningJob job,
            JobStatus status,
            JsonNode result,
            JobError error,
            JobUsage usage,
            String workerId,
            Instant at) {
        return new JobEvent(
                eventId,
                job.jobId(),
                job.job().tenantId(),
                job.attempt(),
                status,
                null,
                result,
                error,
                usage,
                workerId,
                at);
    }

    public JobStatus status() {
        return terminal.status();
    }
}
