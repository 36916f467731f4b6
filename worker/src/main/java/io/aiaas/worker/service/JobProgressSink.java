package io.aiaas.worker.service;

import io.aiaas.common.events.JobProgress;

/** Where a long job reports its progress while it runs (a {@code running} event with {@code progress}). */
public interface JobProgressSink {
    void progress(RunningJob job, JobProgress progress);
}
