package io.aiaas.worker.health;

import io.aiaas.worker.config.WorkerConfig;
import io.aiaas.worker.messaging.PredictIntake;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * DOWN when the prediction intake has not come back from a poll for longer than
 * {@code aiaas.worker.liveness.stall-after}: a worker whose prediction thread hangs holds its request partitions and
 * answers nothing, so it is restarted. Always UP with {@code aiaas.worker.predict.enabled=false}.
 */
@Liveness
@Singleton
public class PredictLiveness implements HealthCheck {
    private final boolean enabled;
    private final Supplier<Instant> lastPoll;
    private final Duration stallAfter;

    @Inject
    public PredictLiveness(PredictIntake intake, WorkerConfig config) {
        this(config.predict().enabled(), intake::lastPoll, config.liveness().stallAfter());
    }

    PredictLiveness(boolean enabled, Supplier<Instant> lastPoll, Duration stallAfter) {
        this.enabled = enabled;
        this.lastPoll = lastPoll;
        this.stallAfter = stallAfter;
    }

    @Override
    public HealthCheckResponse call() {
        boolean polling =
                !enabled || Duration.between(lastPoll.get(), Instant.now()).compareTo(stallAfter) <= 0;
        return HealthCheckResponse.named("predict-loop")
                .status(polling)
                .withData("enabled", enabled)
                .withData("intake", polling)
                .build();
    }
}
