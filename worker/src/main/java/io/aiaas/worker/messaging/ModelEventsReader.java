package io.aiaas.worker.messaging;

import io.aiaas.common.events.ModelEvent;
import io.aiaas.common.events.Topics;
import io.aiaas.common.predict.PredictRequest;
import io.aiaas.messaging.Backoff;
import io.aiaas.messaging.KafkaSettings;
import io.aiaas.messaging.consumer.Batch;
import io.aiaas.messaging.consumer.BatchHandler;
import io.aiaas.messaging.consumer.ConsumerLoop;
import io.aiaas.messaging.consumer.Delivery;
import io.aiaas.messaging.consumer.RecordDecoder;
import io.aiaas.worker.config.WorkerConfig;
import io.aiaas.worker.inference.ModelCache;
import io.aiaas.worker.service.OnlinePredictor;
import jakarta.inject.Singleton;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Reads {@link Topics#MODEL_EVENTS} as a broadcast (every partition, from its end, no group) for cold starts: a new
 * version is preloaded by the worker that owns its request partition (so its first prediction finds it loaded), and a
 * deleted version or model is evicted from the cache (closed once no run holds it).
 */
@Singleton
public class ModelEventsReader implements BatchHandler<ModelEvent> {
    private static final Logger LOG = Logger.getLogger(ModelEventsReader.class);

    private final PredictIntake intake;
    private final OnlinePredictor predictor;
    private final ModelCache models;
    private final ConsumerLoop<ModelEvent> loop;

    public ModelEventsReader(
            KafkaSettings settings,
            WorkerConfig config,
            PredictIntake intake,
            OnlinePredictor predictor,
            ModelCache models) {
        this.intake = intake;
        this.predictor = predictor;
        this.models = models;
        this.loop = ConsumerLoop.builder("model-events", settings, RecordDecoder.json(ModelEvent.class), this)
                .topics(Topics.MODEL_EVENTS)
                .broadcast()
                .pollTimeout(config.kafka().pollTimeout())
                .backoff(new Backoff(
                        config.kafka().retryBackoff(), config.kafka().retryBackoffMax()))
                .closeTimeout(Duration.ofSeconds(5))
                .build();
    }

    public void start() {
        loop.start();
    }

    public void stop() {
        loop.close();
    }

    public ConsumerLoop.State state() {
        return loop.state();
    }

    @Override
    public void handle(Batch<ModelEvent> batch) {
        for (Delivery<ModelEvent> delivery : batch.deliveries()) {
            apply(delivery.value());
        }
    }

    void apply(ModelEvent event) {
        if (event.type() == null || event.modelId() == null) {
            return;
        }
        switch (event.type()) {
            case ModelEvent.VERSION_CREATED -> {
                if (event.version() != null
                        && intake.owns(PredictRequest.partitionKey(event.modelId(), event.version()))) {
                    LOG.debugf("preloading the new version %s/%d", event.modelId(), event.version());
                    predictor.preload(event.modelId(), event.version(), event.tenantId(), event.eventId());
                }
            }
            case ModelEvent.VERSION_DELETED -> {
                if (event.version() != null) {
                    models.evict(event.modelId(), event.version());
                }
            }
            case ModelEvent.MODEL_DELETED -> models.evictModel(event.modelId());
            default -> {
                // aliases and new models change nothing a worker holds
            }
        }
    }
}
