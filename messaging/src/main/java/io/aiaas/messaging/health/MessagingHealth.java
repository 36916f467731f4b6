package io.aiaas.messaging.health;

import io.aiaas.messaging.consumer.ConsumerLoop;
import io.aiaas.messaging.outbox.OutboxRelay;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

/**
 * How a consumer loop and an outbox relay show in a service's health check, written once for every service: their
 * state only, never record content.
 */
public final class MessagingHealth {
    private MessagingHealth() {}

    /** The loop's state as data of {@code response}. */
    public static HealthCheckResponseBuilder consumer(HealthCheckResponseBuilder response, ConsumerLoop.State s) {
        response.withData("consuming", s.consuming())
                .withData("partitions", String.join(",", s.assignment()))
                .withData("consecutiveFailures", s.consecutiveFailures())
                .withData("restarts", s.restarts());
        optional(response, "lastPoll", s.lastPoll());
        optional(response, "lastFailure", s.lastFailure());
        optional(response, "lastFailureAt", s.lastFailureAt());
        return response;
    }

    /** The relay's state as data of {@code response}, each name after {@code prefix} (e.g. {@code jobRequests}). */
    public static HealthCheckResponseBuilder relay(
            HealthCheckResponseBuilder response, String prefix, OutboxRelay.State s) {
        response.withData(prefix + "RelayRunning", s.running()).withData(prefix + "RelayLeader", s.leader());
        optional(response, prefix + "LastPass", s.lastPass());
        optional(response, prefix + "LastFailure", s.lastFailure());
        return response;
    }

    private static void optional(HealthCheckResponseBuilder response, String name, Object value) {
        if (value != null) {
            response.withData(name, value.toString());
        }
    }
}
