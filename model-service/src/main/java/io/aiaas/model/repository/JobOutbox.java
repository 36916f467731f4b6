package io.aiaas.model.repository;

import io.aiaas.common.events.JobControl;
import io.aiaas.common.events.JobDeadLetter;
import io.aiaas.common.events.Topics;
import io.aiaas.common.json.Json;
import io.aiaas.messaging.outbox.OutboxWriter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.util.HashMap;
import java.util.Map;

/**
 * What the job engine tells Kafka, written to the outbox in the transaction of the change it announces: dispatch
 * records ({@code aiaas.jobs.v1}), dead letters and cancellations for workers. Keyed by job id, so each job's records
 * keep their order.
 */
@ApplicationScoped
public class JobOutbox {
    private final OutboxWriter outbox;

    public JobOutbox(OutboxWriter outbox) {
        this.outbox = outbox;
    }

    /**
     * A dispatch record (the lean {@code JobRequest} JSON), carrying the submission's {@code traceparent} unless the
     * writing thread has a span of its own (then the writer puts that one).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void dispatch(String jobId, String leanRequestJson, String requestId, String traceparent) {
        Map<String, String> headers = headers(requestId);
        if (traceparent != null) {
            headers.put(Topics.HEADER_TRACEPARENT, traceparent);
        }
        outbox.write(Topics.JOBS, jobId, leanRequestJson, headers);
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void deadLetter(JobDeadLetter letter, String requestId) {
        outbox.write(Topics.JOB_DEAD_LETTERS, letter.jobId(), Json.write(letter), headers(requestId));
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void control(JobControl control, String requestId) {
        outbox.write(Topics.JOB_CONTROL, control.jobId(), Json.write(control), headers(requestId));
    }

    private static Map<String, String> headers(String requestId) {
        Map<String, String> headers = new HashMap<>();
        if (requestId != null) {
            headers.put(Topics.HEADER_REQUEST_ID, requestId);
        }
        return headers;
    }
}
