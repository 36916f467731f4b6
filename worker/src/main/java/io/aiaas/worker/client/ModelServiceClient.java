package io.aiaas.worker.client;

import jakarta.inject.Singleton;
import org.eclipse.microprofile.faulttolerance.exceptions.FaultToleranceException;

/** Claims jobs at model-service ({@code POST /internal/v1/jobs/{jobId}/claim}). */
@Singleton
public class ModelServiceClient {
    private final ModelServiceCalls calls;

    public ModelServiceClient(ModelServiceCalls calls) {
        this.calls = calls;
    }

    /**
     * Claims {@code jobId} for this worker. A job model-service does not know (404) is answered as not to proceed.
     *
     * @throws ModelServiceUnavailableException when model-service cannot say yes or no now (including while the
     *     circuit breaker keeps calls away from a failing model-service)
     */
    public ClaimResult claim(String jobId, String tenantId, String requestId) {
        try {
            return calls.claim(jobId, tenantId, requestId);
        } catch (FaultToleranceException e) {
            throw new ModelServiceUnavailableException("claims are paused while model-service keeps failing", e);
        }
    }

    /** Whether model-service answers its readiness probe. */
    public boolean ready() {
        return calls.ready();
    }
}
