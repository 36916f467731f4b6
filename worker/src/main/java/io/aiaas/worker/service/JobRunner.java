package io.aiaas.worker.service;

import io.aiaas.common.events.JobRequest;

/** Runs one kind of job. Runs happen outside any Kafka transaction and may be repeated (at-least-once). */
public interface JobRunner {

    /** Whether this runner takes {@code job}. */
    boolean handles(JobRequest job);

    /**
     * Runs the job.
     *
     * @throws JobFailedException or {@link io.aiaas.common.oip.InvalidInputException} when it cannot succeed
     * @throws io.aiaas.worker.client.ModelServiceUnavailableException when it should be retried later
     */
    JobOutcome run(JobRequest job);

    /**
     * Runs the job this worker holds: a runner whose work takes many steps overrides this to stop at a step when
     * {@link RunningJob#stop} says so, and to resume where an earlier attempt got to.
     */
    default JobOutcome run(RunningJob held) {
        return run(held.job());
    }
}
