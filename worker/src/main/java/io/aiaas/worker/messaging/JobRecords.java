package io.aiaas.worker.messaging;

import io.aiaas.common.events.JobError;
import io.aiaas.common.events.JobEvent;
import io.aiaas.common.events.JobRequest;
import io.aiaas.common.events.JobStatus;
import io.aiaas.common.events.Topics;
import io.aiaas.common.events.UsageEvent;
import io.aiaas.common.json.Json;
import io.aiaas.messaging.consumer.Delivery;
import io.aiaas.messaging.trace.KafkaTracing;
import io.aiaas.worker.service.JobOutcome;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** The records a job yields: its events on {@link Topics#JOB_EVENTS} and its usage on {@link Topics#USAGE}. */
final class JobRecords {
    private JobRecords() {}

    /**
     * The headers of what a job yields: its record's {@code x-request-id} (or the request's), and the current trace
     * context (the span of this job's processing, a child of the trace the job's record carried).
     */
    static Headers propagated(Delivery<JobRequest> delivery, KafkaTracing tracing) {
        Headers headers = new RecordHeaders();
        String requestId = delivery.header(Topics.HEADER_REQUEST_ID);
        if (requestId == null) {
            requestId = delivery.value().requestId();
        }
        if (requestId != null) {
            headers.add(Topics.HEADER_REQUEST_ID, requestId.getBytes(StandardCharsets.UTF_8));
        }
        tracing.inject(headers);
        return headers;
    }

    static JobEvent running(JobRequest job, int attempt, String workerId, Instant at) {
        return new JobEvent(
                eventId(job, attempt, JobStatus.RUNNING),
                job.jobId(),
                job.tenantId(),
                attempt,
                JobStatus.RUNNING,
                null,
                null,
                null,
                null,
                workerId,
                at);
    }

    static JobEvent terminal(JobRequest job, int attempt, JobOutcome outcome, String workerId, Instant at) {
        if (outcome instanceof JobOutcome.Succeeded ok) {
            return new JobEvent(
                    eventId(job, attempt, JobStatus.SUCCEEDED),
                    job.jobId(),
                    job.tenantId(),
                    attempt,
                    JobStatus.SUCCEEDED,
                    null,
                    ok.result(),
                    null,
                    ok.usage(),
                    workerId,
                    at);
        }
        JobError error = ((JobOutcome.Failed) outcome).error();
        return new JobEvent(
                eventId(job, attempt, JobStatus.FAILED),
                job.jobId(),
                job.tenantId(),
                attempt,
                JobStatus.FAILED,
                null,
                null,
                error,
                null,
                workerId,
                at);
    }

    static String eventId(JobRequest job, int attempt, JobStatus status) {
        return job.jobId() + "-" + attempt + "-" + status.wire();
    }

    static ProducerRecord<String, String> jobEvent(JobEvent event, Headers headers) {
        return new ProducerRecord<>(Topics.JOB_EVENTS, null, event.jobId(), Json.write(event), headers);
    }

    static ProducerRecord<String, String> usage(UsageEvent event, Headers headers) {
        return new ProducerRecord<>(Topics.USAGE, null, event.subject(), Json.write(event), headers);
    }
}
