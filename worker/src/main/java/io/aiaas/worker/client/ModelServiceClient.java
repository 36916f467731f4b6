package io.aiaas.worker.client;

import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.faulttolerance.exceptions.FaultToleranceException;

/**
 * The job protocol at model-service ({@code /internal/v1/...}): claims, releases, heartbeats, and a batch job's dataset
 * and output.
 */
@Singleton
public class ModelServiceClient {
    private final ModelServiceCalls calls;

    public ModelServiceClient(ModelServiceCalls calls) {
        this.calls = calls;
    }

    /**
     * Claims these jobs for this worker, in one call: an answer per job id. A job model-service does not know is
     * answered as not to proceed (status {@code unknown}).
     *
     * @throws ModelServiceUnavailableException when model-service cannot say yes or no now (including while the
     *     circuit breaker keeps calls away from a failing model-service)
     */
    public Map<String, ClaimResult> claimAll(List<String> jobIds, String requestId) {
        try {
            return calls.claimAll(jobIds, requestId);
        } catch (FaultToleranceException e) {
            throw new ModelServiceUnavailableException("claims are paused while model-service keeps failing", e);
        }
    }

    /**
     * Hands a claimed job back to model-service.
     *
     * @throws ModelServiceUnavailableException when model-service did not take it (the lease then lapses)
     */
    public void release(String jobId, String tenantId, String requestId, Release release) {
        try {
            calls.release(jobId, tenantId, requestId, release);
        } catch (FaultToleranceException e) {
            throw new ModelServiceUnavailableException("release of " + jobId + " failed", e);
        }
    }

    /**
     * Sends a heartbeat and returns model-service's answer.
     *
     * @throws ModelServiceUnavailableException when model-service did not answer
     */
    public Heartbeat.Answer heartbeat(Heartbeat.Request heartbeat) {
        return calls.heartbeat(heartbeat);
    }

    /**
     * Opens a batch job's dataset, acting for its tenant (see {@link ModelServiceCalls#dataset}).
     *
     * @throws ModelServiceUnavailableException when model-service cannot serve it now
     * @throws ArtifactUnavailableException when the dataset is gone
     */
    public DatasetDownload dataset(String datasetId, String tenantId, String requestId) {
        return calls.dataset(datasetId, tenantId, requestId);
    }

    /**
     * Stores a part of a batch job's output (see {@link ModelServiceCalls#output}); returns the rows stored after it.
     *
     * @throws ModelServiceUnavailableException when model-service cannot store it now
     * @throws OutputRefusedException when this worker no longer holds the job
     */
    public long output(
            String jobId, String tenantId, String requestId, int attempt, long from, long to, byte[] ndjson) {
        return calls.output(jobId, tenantId, requestId, attempt, from, to, ndjson);
    }

    /** Whether model-service answers its readiness probe. */
    public boolean ready() {
        return calls.ready();
    }
}
