package io.aiaas.model.client;

import io.aiaas.common.error.ApiException;
import io.aiaas.model.config.ModelServiceConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.eclipse.microprofile.faulttolerance.exceptions.FaultToleranceException;
import org.jboss.logging.Logger;

/**
 * Compute units held at tenant-service for a job (docs/internal-contracts.md): reserved before the job is stored,
 * released when it could not be stored after all, or when it ended without a usage event; its usage event settles
 * them. Releases run on a thread of their own, never on the caller's: they are best effort (a reservation that is not
 * released expires).
 */
@ApplicationScoped
public class ComputeReservations {
    private static final Logger LOG = Logger.getLogger(ComputeReservations.class);

    private final TenantServiceCalls calls;
    private final ServiceTokens tokens;
    private final boolean enabled;
    private final int retryAfterSeconds;
    private final ExecutorService releases = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "compute-reservation-release");
        t.setDaemon(true);
        return t;
    });

    public ComputeReservations(TenantServiceCalls calls, ServiceTokens tokens, ModelServiceConfig config) {
        this.calls = calls;
        this.tokens = tokens;
        this.enabled = config.quota().enabled();
        this.retryAfterSeconds = config.quota().retryAfterSeconds();
    }

    /** A model-service that would refuse every job for want of its signing key does not start. */
    void start(@Observes StartupEvent event) {
        if (enabled) {
            tokens.check();
        }
    }

    void stop(@Observes ShutdownEvent event) {
        releases.shutdown();
    }

    /** Whether jobs reserve compute units ({@code aiaas.model.quota.enabled}). */
    public boolean enabled() {
        return enabled;
    }

    /**
     * Reserves {@code units} for job {@code jobId} for {@code ttl}.
     *
     * @throws ApiException 429 {@code quota-exceeded} when the month's quota has no room; 503 with
     *     {@code Retry-After} when tenant-service cannot say (a reservation it may have granted meanwhile is
     *     released)
     */
    public void reserve(String tenantId, String jobId, long units, Duration ttl, String requestId) {
        try {
            calls.reserve(
                    new TenantServiceApi.ReservationRequest(tenantId, jobId, units, Math.max(1, ttl.toSeconds())),
                    requestId);
        } catch (TenantServiceUnavailableException | FaultToleranceException e) {
            LOG.warnf("compute units of job %s cannot be reserved: %s", jobId, e.toString());
            releaseLater(tenantId, jobId, requestId); // a call that timed out may have been granted
            throw ApiException.unavailable(
                    "The compute-unit quota cannot be checked right now; nothing was stored. Try again shortly.",
                    retryAfterSeconds);
        }
    }

    /** Gives the units of job {@code jobId} back, soon, on another thread; a failure leaves them to expire. */
    public void releaseLater(String tenantId, String jobId, String requestId) {
        if (!enabled) {
            return;
        }
        try {
            releases.execute(() -> {
                try {
                    calls.release(tenantId, jobId, requestId);
                } catch (RuntimeException e) {
                    LOG.warnf(
                            "compute units of job %s were not released (they expire instead): %s", jobId, e.toString());
                }
            });
        } catch (RejectedExecutionException shuttingDown) {
            // the reservation expires instead
        }
    }
}
