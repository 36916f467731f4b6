package io.aiaas.worker.health;

import io.aiaas.worker.config.WorkerConfig;
import io.aiaas.worker.config.WorkerIdentity;
import io.aiaas.worker.messaging.JobIntake;
import io.aiaas.worker.messaging.ResultsPublisher;
import io.aiaas.worker.service.WorkerHeartbeat;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
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
    private final JobIntake intake;
    private final WorkerHeartbeat heartbeat;
    private final ResultsPublisher publisher;
    private final WorkerIdentity identity;
    private final Duration stallAfter;

    public WorkerLiveness(
            JobIntake intake,
            WorkerHeartbeat heartbeat,
            ResultsPublisher publisher,
            WorkerIdentity identity,
            WorkerConfig config) {
        this.intake = intake;
        this.heartbeat = heartbeat;
        this.publisher = publisher;
        this.identity = identity;
        this.stallAfter = config.liveness().stallAfter();
    }

    @Override
    public HealthCheckResponse call() {
        Instant now = Instant.now();
        boolean polling = fresh(intake.lastPoll(), now);
        boolean beating = fresh(heartbeat.lastBeat(), now);
        boolean publishing = fresh(publisher.lastTick(), now);
        return HealthCheckResponse.named("job-loop")
                .status(polling && beating && publishing)
                .withData("workerId", identity.workerId())
                .withData("intake", polling)
                .withData("heartbeat", beating)
                .withData("results", publishing)
                .build();
    }

    private boolean fresh(Instant last, Instant now) {
        return Duration.between(last, now).compareTo(stallAfter) <= 0;
    }
}
