package io.aiaas.worker.messaging;

import io.aiaas.common.events.JobError;
import io.aiaas.common.events.JobEvent;
import io.aiaas.common.events.JobRequest;
import io.aiaas.common.events.JobStatus;
import io.aiaas.common.events.Topics;
import io.aiaas.common.events.UsageEvent;
import io.aiaas.common.json.Json;
import io.aiaas.worker.service.JobOutcome;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/** The records a job yields: its events on {@link Topics#JOB_EVENTS} and its usage on {@link Topics#USAGE}. */
final class JobRecords {
    private JobRecords() {}

    /** {@code x-request-id} and {@code traceparent} of the job's record, to be carried on what it yields. */
    static List<Header> propagated(ConsumerRecord<?, ?> record, JobRequest job) {
        List<Header> headers = new ArrayList<>(2);
        Header requestId = record.headers().lastHeader(Topics.HEADER_REQUEST_ID);
        if (requestId != null) {
            headers.add(new RecordHeader(Topics.HEADER_REQUEST_ID, requestId.value()));
        } else if (job.requestId() != null) {
            headers.add(
                    new RecordHeader(Topics.HEADER_REQUEST_ID, job.requestId().getBytes(StandardCharsets.UTF_8)));
        }
        Header traceparent = record.headers().lastHeader(Topics.HEADER_TRACEPARENT);
        if (traceparent != null) {
            headers.add(new RecordHeader(Topics.HEADER_TRACEPARENT, traceparent.value()));
        }
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

    static ProducerRecord<String, String> jobEvent(JobEvent event, List<Header> headers) {
        return new ProducerRecord<>(Topics.JOB_EVENTS, null, event.jobId(), Json.write(event), headers);
    }

    static ProducerRecord<String, String> usage(UsageEvent event, List<Header> headers) {
        return new ProducerRecord<>(Topics.USAGE, null, event.subject(), Json.write(event), headers);
    }
}
