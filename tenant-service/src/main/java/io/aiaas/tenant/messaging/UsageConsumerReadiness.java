package io.aiaas.tenant.messaging;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready when the usage consumer runs, has joined its group and can store what it reads. */
@Readiness
@ApplicationScoped
public class UsageConsumerReadiness implements HealthCheck {
    private final UsageConsumer consumer;

    public UsageConsumerReadiness(UsageConsumer consumer) {
        this.consumer = consumer;
    }

    @Override
    public HealthCheckResponse call() {
        UsageConsumer.State s = consumer.state();
        var response = HealthCheckResponse.named("usage-consumer")
                .status(s.ready())
                .withData("enabled", s.enabled())
                .withData("running", s.running())
                .withData("joined", s.joined())
                .withData("storeFailing", s.storeFailing())
                .withData("partitions", String.join(",", s.partitions()));
        if (s.lastPoll() != null) {
            response.withData("lastPoll", s.lastPoll().toString());
        }
        if (s.lastProblem() != null) {
            response.withData("lastProblem", s.lastProblem());
        }
        return response.build();
    }
}
