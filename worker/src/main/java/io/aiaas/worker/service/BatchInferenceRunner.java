package io.aiaas.worker.service;

import io.aiaas.common.events.JobRequest;
import io.aiaas.common.events.JobType;
import jakarta.inject.Singleton;

/** Inference over a dataset, one prediction per row. Not yet implemented: such jobs end failed. */
@Singleton
public class BatchInferenceRunner implements JobRunner {

    @Override
    public boolean handles(JobRequest job) {
        return job.type() == JobType.INFERENCE && job.datasetId() != null;
    }

    @Override
    public JobOutcome run(JobRequest job) {
        throw JobFailedException.unprocessable("Batch inference is not yet supported by this worker.");
    }
}
