package io.aiaas.worker.service;

import io.aiaas.common.events.JobEvent;
import io.aiaas.common.events.JobStatus;
import io.aiaas.common.events.UsageEvent;

/**
 * What a job yields at its end, published together in one Kafka transaction: its terminal event and, when it is billed
 * (succeeded, cancelled), its usage event {@code usage-<jobId>}.
 */
public record JobResult(RunningJob job, JobEvent terminal, UsageEvent usage) {

    public JobStatus status() {
        return terminal.status();
    }
}
