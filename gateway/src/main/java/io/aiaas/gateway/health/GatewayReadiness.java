package io.aiaas.gateway.health;

import io.aiaas.gateway.auth.KeyVerificationCache;
import io.aiaas.gateway.messaging.ModelEventsConsumer;
import io.aiaas.gateway.messaging.PredictionExchange;
import io.aiaas.gateway.messaging.TenantEventsConsumer;
import io.aiaas.messaging.health.MessagingHealth;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness of the gateway itself: it answers, its signing key and key cache are in place. The services behind it are
 * deliberately not part of it: a service being down must not take every gateway replica out of rotation (callers get
 * a 503 with {@code Retry-After} for what that service serves, everything else keeps working). The data says whether
 * cached keys are currently trusted by tenant-event heartbeats or by the 1 s fallback, and how online prediction
 * stands: its reply partition (-1: none, so predictions answer 503 and {@code /v2/health/ready} is not ready) and the
 * model-events consumer. Neither takes the gateway out of rotation: every other route keeps working.
 */
@Readiness
@ApplicationScoped
public class GatewayReadiness implements HealthCheck {
    private final KeyVerificationCache keys;
    private final TenantEventsConsumer tenantEvents;
    private final PredictionExchange predictions;
    private final ModelEventsConsumer modelEvents;

    public GatewayReadiness(
            KeyVerificationCache keys,
            TenantEventsConsumer tenantEvents,
            PredictionExchange predictions,
            ModelEventsConsumer modelEvents) {
        this.keys = keys;
        this.tenantEvents = tenantEvents;
        this.predictions = predictions;
        this.modelEvents = modelEvents;
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("gateway")
                .withData("key-cache", keys.eventsFresh() ? "trusted by tenant-event heartbeats" : "1 s fallback");
        // Reading tenant events is reported, not required: without them the key cache keeps its 1 s promise alone.
        tenantEvents.state().ifPresent(s -> MessagingHealth.consumer(response, s));
        PredictionExchange.State p = predictions.state();
        response.withData(
                "predict", p.enabled() ? (p.replyPartition() >= 0 ? "taking predictions" : "not yet") : "off");
        if (p.enabled()) {
            response.withData("predictReplyPartition", p.replyPartition())
                    .withData("predictReplyPartitions", p.assignment())
                    .withData("predictWaiting", p.waiting())
                    .withData("predictRestarts", p.restarts());
            if (p.lastFailure() != null) {
                response.withData("predictLastFailure", p.lastFailure() + " at " + p.lastFailureAt());
            }
        }
        modelEvents.state().ifPresent(s -> response.withData("modelEventsConsuming", s.consuming()));
        return response.up().build();
    }
}
