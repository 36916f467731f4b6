package io.aiaas.tenant.messaging;

import io.aiaas.messaging.consumer.ConsumerLoop;
import io.aiaas.messaging.outbox.OutboxRelay;
import jakarta.inject.Singleton;
import java.util.Optional;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready while the usage consumer consumes (DOWN while it cannot: broker unreachable, database refusing its batches,
 * consumer restarting). The tenant-event relay is reported too; Kafka being down does not take this replica out of
 * rotation (that is what the outbox is for), only a relay that stopped running does.
 */
@Readiness
@Singleton
public class MessagingReadiness implements HealthCheck {
    private final UsageConsumer usage;
    private final TenantEventRelay relay;

    public MessagingReadiness(UsageConsumer usage, TenantEventRelay relay) {
        this.usage = usage;
        this.relay = relay;
    }

    @Override
    public HealthCheckResponse call() {
        Optional<ConsumerLoop.State> consumer = usage.state();
        OutboxRelay.State outbox = relay.state();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("usage-consumer")
                .status(consumer.map(ConsumerLoop.State::up).orElse(true) && outbox.running())
                .withData("enabled", consumer.isPresent());
        consumer.ifPresent(s -> {
            response.withData("consuming", s.consuming())
                    .withData("partitions", String.join(",", s.assignment()))
                    .withData("consecutiveFailures", s.consecutiveFailures())
                    .withData("restarts", s.restarts());
            optional(response, "lastPoll", s.lastPoll());
            optional(response, "lastFailure", s.lastFailure());
            optional(response, "lastFailureAt", s.lastFailureAt());
        });
        response.withData("tenantEventsRelayRunning", outbox.running())
                .withData("tenantEventsRelayLeader", outbox.leader());
        optional(response, "tenantEventsLastPass", outbox.lastPass());
        optional(response, "tenantEventsLastFailure", outbox.lastFailure());
        return response.build();
    }

    private static void optional(HealthCheckResponseBuilder response, String name, Object value) {
        if (value != null) {
            response.withData(name, value.toString());
        }
    }
}
