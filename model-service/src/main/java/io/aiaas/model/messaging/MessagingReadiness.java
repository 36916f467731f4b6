package io.aiaas.model.messaging;

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
 * Ready while the job-event consumer consumes: DOWN while it cannot (broker unreachable, database refusing events,
 * consumer restarting after a failed commit), UP again once it does. The job-request relay is reported too; Kafka
 * being down does not take this replica out of rotation (submissions wait in the outbox), only a relay that stopped
 * running does.
 */
@Readiness
@Singleton
public class MessagingReadiness implements HealthCheck {
    private final JobEventConsumer jobEvents;
    private final JobRequestRelay relay;
    private final TenantEventConsumer tenantEvents;

    public MessagingReadiness(JobEventConsumer jobEvents, JobRequestRelay relay, TenantEventConsumer tenantEvents) {
        this.jobEvents = jobEvents;
        this.relay = relay;
        this.tenantEvents = tenantEvents;
    }

    @Override
    public HealthCheckResponse call() {
        Optional<ConsumerLoop.State> consumer = jobEvents.state();
        OutboxRelay.State outbox = relay.state();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("job-events-consumer")
                .status(consumer.map(ConsumerLoop.State::up).orElse(true) && outbox.running())
                .withData("enabled", consumer.isPresent());
        consumer.ifPresent(s -> MessagingHealth.consumer(response, s));
        // Tenant events only hold suspended tenants' queued jobs: shown, but not a reason to leave rotation.
        tenantEvents.state().ifPresent(s -> response.withData("tenantEventsConsuming", s.up()));
        return MessagingHealth.relay(response, "jobRequests", outbox).build();
    }
}
