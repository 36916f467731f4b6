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
 * Ready while the usage and audit consumers consume (DOWN while one cannot: broker unreachable, database refusing its
 * batches, consumer restarting). The tenant-event relay is reported too; Kafka being down does not take this replica out of
 * rotation (that is what the outbox is for), only a relay that stopped running does.
 */
@Readiness
@Singleton
public class MessagingReadiness implements HealthCheck {
    private final UsageConsumer usage;
    private final TenantEventRelay relay;
    private final AuditConsumer audit;

    public MessagingReadiness(UsageConsumer usage, TenantEventRelay relay, AuditConsumer audit) {
        this.usage = usage;
        this.relay = relay;
        this.audit = audit;
    }

    @Override
    public HealthCheckResponse call() {
        Optional<ConsumerLoop.State> consumer = usage.state();
        OutboxRelay.State outbox = relay.state();
        Optional<ConsumerLoop.State> auditConsumer = audit.state();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("usage-consumer")
                .status(consumer.map(ConsumerLoop.State::up).orElse(true)
                        && auditConsumer.map(ConsumerLoop.State::up).orElse(true)
                        && outbox.running())
                .withData("enabled", consumer.isPresent());
        consumer.ifPresent(s -> MessagingHealth.consumer(response, s));
        auditConsumer.ifPresent(s -> response.withData("auditConsuming", s.consuming())
                .withData("auditConsecutiveFailures", s.consecutiveFailures()));
        return MessagingHealth.relay(response, "tenantEvents", outbox).build();
    }
}
