package io.aiaas.gateway.health;

import io.aiaas.gateway.auth.KeyVerificationCache;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness of the gateway itself: it answers, its signing key and key cache are in place. The services behind it are
 * deliberately not part of it: a service being down must not take every gateway replica out of rotation (callers get
 * a 503 with {@code Retry-After} for what that service serves, everything else keeps working). The data says whether
 * cached keys are currently trusted by tenant-event heartbeats or by the 1 s fallback.
 */
@Readiness
@ApplicationScoped
public class GatewayReadiness implements HealthCheck {
    private final KeyVerificationCache keys;

    public GatewayReadiness(KeyVerificationCache keys) {
        this.keys = keys;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("gateway")
                .withData("key-cache", keys.eventsFresh() ? "trusted by tenant-event heartbeats" : "1 s fallback")
                .up()
                .build();
    }
}
