package io.aiaas.tenant.messaging;

import io.aiaas.messaging.consumer.ConsumerLoop;
import io.aiaas.messaging.health.MessagingHealth;
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
        consumer.ifPresent(s -> MessagingHealth.consumer(response, s));
        return MessagingHealth.relay(response, "tenantEvents", outbox).build();
    }
}
