package io.aiaas.worker.service;

import io.aiaas.common.events.JobRequest;
import io.aiaas.common.events.JobType;
import jakarta.inject.Singleton;

/** Training of a new model version from a dataset. Not yet implemented: such jobs end failed. */
@Singleton
public class TrainingRunner implements JobRunner {

    @Override
    public boolean handles(JobRequest job) {
        return job.type() == JobType.TRAINING;
    }

    @Override
    public JobOutcome run(JobRequest job) {
        throw JobFailedException.unprocessable("Training is not yet supported by this worker.");
    }
}
