package io.aiaas.model.repository;

import io.aiaas.common.events.Topics;
import io.aiaas.messaging.outbox.OutboxWriter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.util.HashMap;
import java.util.Map;

/**
 * Job requests for {@code aiaas.jobs.v1}, written to the outbox in the job's own transaction: a job is queued exactly
 * when its request will reach the workers.
 */
@ApplicationScoped
public class JobRequestOutbox {
    private final OutboxWriter outbox;

    public JobRequestOutbox(OutboxWriter outbox) {
        this.outbox = outbox;
    }

    /** The record carries the request id; the writer adds the current span's {@code traceparent}. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void enqueue(String jobId, String requestJson, String requestId) {
        Map<String, String> headers = new HashMap<>();
        if (requestId != null) {
            headers.put(Topics.HEADER_REQUEST_ID, requestId);
        }
        outbox.write(Topics.JOBS, jobId, requestJson, headers);
    }
}
