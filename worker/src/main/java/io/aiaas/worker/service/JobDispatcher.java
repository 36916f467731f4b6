package io.aiaas.worker.service;

import io.aiaas.common.events.JobRequest;
import io.aiaas.common.oip.InvalidInputException;
import io.aiaas.worker.client.ArtifactUnavailableException;
import io.aiaas.worker.client.ModelServiceUnavailableException;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;
import java.util.List;
import org.jboss.logging.Logger;

/** Hands a claimed job to the runner for its type and turns every permanent failure into a {@code failed} outcome. */
@Singleton
public class JobDispatcher {
    private static final Logger LOG = Logger.getLogger(JobDispatcher.class);

    private final List<JobRunner> runners;

    public JobDispatcher(Instance<JobRunner> runners) {
        this.runners = runners.stream().toList();
    }

    /**
     * The job's outcome.
     *
     * @throws ModelServiceUnavailableException when model-service or the artifact store fail now (retry, then release
     *     the job as {@code platform})
     * @throws ArtifactUnavailableException when the model cannot be fetched or loaded (release it as {@code error}: it
     *     burns an attempt, and the job fails once they are used up)
     */
    public JobOutcome run(RunningJob held) {
        JobRequest job = held.job();
        JobRunner runner =
                runners.stream().filter(r -> r.handles(job)).findFirst().orElse(null);
        if (runner == null) {
            return JobOutcome.failed(
                    JobFailedException.UNPROCESSABLE, "This job type is not supported by this worker.");
        }
        try {
            return runner.run(held);
        } catch (ModelServiceUnavailableException | ArtifactUnavailableException e) {
            throw e;
        } catch (InvalidInputException e) {
            return JobOutcome.failed(JobFailedException.UNPROCESSABLE, e.getMessage());
        } catch (JobFailedException e) {
            return JobOutcome.failed(e.type(), e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            LOG.errorf(e, "job %s failed", job.jobId());
            return JobOutcome.failed(JobFailedException.INTERNAL, "The worker failed to run the job.");
        }
    }
}
