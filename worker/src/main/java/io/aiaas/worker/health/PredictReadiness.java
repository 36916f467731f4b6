package io.aiaas.worker.health;

import io.aiaas.worker.config.WorkerConfig;
import io.aiaas.worker.messaging.ModelEventsReader;
import io.aiaas.worker.messaging.PredictIntake;
import io.aiaas.worker.messaging.PredictReplyPublisher;
import io.aiaas.worker.service.OnlinePredictor;
import jakarta.inject.Singleton;
import java.util.stream.Collectors;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready for online predictions when the prediction intake is a consuming member of its group and the reply producer
 * knows the reply topic; the model-events reader (preloads) is reported alongside. Always UP on a worker with
 * {@code aiaas.worker.predict.enabled=false}.
 */
@Readiness
@Singleton
public class PredictReadiness implements HealthCheck {
    private final boolean enabled;
    private final PredictIntake intake;
    private final PredictReplyPublisher replies;
    private final ModelEventsReader events;
    private final OnlinePredictor predictor;

    public PredictReadiness(
            WorkerConfig config,
            PredictIntake intake,
            PredictReplyPublisher replies,
            ModelEventsReader events,
            OnlinePredictor predictor) {
        this.enabled = config.predict().enabled();
        this.intake = intake;
        this.replies = replies;
        this.events = events;
        this.predictor = predictor;
    }

    @Override
    public HealthCheckResponse call() {
        if (!enabled) {
            return HealthCheckResponse.named("predictions")
                    .up()
                    .withData("enabled", false)
                    .build();
        }
        boolean consuming = intake.consuming();
        boolean replying = replies.ready();
        var response = HealthCheckResponse.named("predictions")
                .status(consuming && replying)
                .withData("intake", consuming)
                .withData("intakePaused", intake.paused())
                .withData(
                        "requestPartitions",
                        intake.partitions().stream().map(String::valueOf).collect(Collectors.joining(",")))
                .withData("queued", predictor.queued())
                .withData("replies", replying);
        // the model-events reader's state under its own names, beside the intake's
        var state = events.state();
        response.withData("modelEventsConsuming", state.consuming()).withData("modelEventsRestarts", state.restarts());
        return response.build();
    }
}
