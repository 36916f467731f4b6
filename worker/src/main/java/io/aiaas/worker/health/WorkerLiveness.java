package io.aiaas.worker.health;

import io.aiaas.worker.config.WorkerConfig;
import io.aiaas.worker.config.WorkerIdentity;
import io.aiaas.worker.messaging.JobIntake;
import io.aiaas.worker.messaging.ResultsPublisher;
import io.aiaas.worker.service.WorkerHeartbeat;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Live while the intake keeps polling and the heartbeat and results threads come round their loops; DOWN when one of
 * them has been stuck for longer than {@code aiaas.worker.liveness.stall-after} (a hung worker is restarted).
 */
@Liveness
@Singleton
public class WorkerLiveness implements HealthCheck {
    private final Supplier<Instant> intake;
    private final Supplier<Instant> heartbeat;
    private final Supplier<Instant> publisher;
    private final String workerId;
    private final Duration stallAfter;

    @Inject
    public WorkerLiveness(
            JobIntake intake,
            WorkerHeartbeat heartbeat,
            ResultsPublisher publisher,
            WorkerIdentity identity,
            WorkerConfig config) {
        this(
                intake::lastPoll,
                heartbeat::lastBeat,
                publisher::lastTick,
                identity.workerId(),
                config.liveness().stallAfter());
    }

    /** When each loop last came round: the intake's poll, the heartbeat, the results publisher. */
    WorkerLiveness(
            Supplier<Instant> intake,
            Supplier<Instant> heartbeat,
            Supplier<Instant> publisher,
            String workerId,
            Duration stallAfter) {
        this.intake = intake;
        this.heartbeat = heartbeat;
        this.publisher = publisher;
        this.workerId = workerId;
        this.stallAfter = stallAfter;
    }

    @Override
    public HealthCheckResponse call() {
        Instant now = Instant.now();
        boolean polling = fresh(intake.get(), now);
        boolean beating = fresh(heartbeat.get(), now);
        boolean publishing = fresh(publisher.get(), now);
        return HealthCheckResponse.named("job-loop")
                .status(polling && beating && publishing)
                .withData("workerId", workerId)
                .withData("intake", polling)
                .withData("heartbeat", beating)
                .withData("results", publishing)
                .build();
    }

    private boolean fresh(Instant last, Instant now) {
        return Duration.between(last, now).compareTo(stallAfter) <= 0;
    }
}
