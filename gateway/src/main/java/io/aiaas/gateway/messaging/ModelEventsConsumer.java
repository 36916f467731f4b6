package io.aiaas.gateway.messaging;

import io.aiaas.common.events.ModelEvent;
import io.aiaas.common.events.Topics;
import io.aiaas.gateway.config.GatewayConfig;
import io.aiaas.gateway.predict.ServingModels;
import io.aiaas.messaging.Backoff;
import io.aiaas.messaging.KafkaSettings;
import io.aiaas.messaging.consumer.ConsumerLoop;
import io.aiaas.messaging.consumer.RecordDecoder;
import io.aiaas.messaging.topic.PlatformTopics;
import io.aiaas.messaging.topic.TopicDeclarations;
import io.aiaas.messaging.trace.KafkaTracing;
import io.opentelemetry.api.OpenTelemetry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Every gateway replica reads every partition of {@code aiaas.model-events.v1} (the messaging module's broadcast
 * consumer) and drops the serving metadata a model, version or alias change makes stale ({@link ServingModels}). A
 * (re)assignment — the consumer's start, or its restart after a failure — drops the whole cache, since events may have
 * been missed meanwhile.
 */
@Singleton
public class ModelEventsConsumer {
    private static final Logger LOG = Logger.getLogger(ModelEventsConsumer.class);

    private final boolean enabled;
    private final KafkaSettings settings;
    private final ConsumerLoop<ModelEvent> loop;

    public ModelEventsConsumer(
            GatewayConfig config,
            ServingModels models,
            OpenTelemetry telemetry,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.enabled = config.predict().enabled();
        this.settings = new KafkaSettings(bootstrapServers);
        this.loop = ConsumerLoop.<ModelEvent>builder(
                        "model-events", settings, RecordDecoder.json(ModelEvent.class), batch -> batch.values()
                                .forEach(models::changed))
                .topics(Topics.MODEL_EVENTS)
                .broadcast()
                .onAssignment(partitions -> models.forgetAll())
                .pollTimeout(Duration.ofMillis(200))
                .backoff(new Backoff(Duration.ofMillis(500), Duration.ofSeconds(10)))
                .tracing(new KafkaTracing(telemetry))
                .build();
    }

    void start(@Observes StartupEvent event) {
        if (!enabled) {
            LOG.info("model events are not read (aiaas.gateway.predict.enabled=false)");
            return;
        }
        // Declared first (idempotent; model-service declares it too), off the start-up thread: the loop would fail on a
        // missing topic until then.
        Thread declare = new Thread(
                () -> {
                    TopicDeclarations.declareAtStartup(
                            settings,
                            List.of(PlatformTopics.MODEL_EVENTS),
                            new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30)));
                    loop.start();
                },
                "aiaas-model-events-start");
        declare.setDaemon(true);
        declare.start();
    }

    void stop(@Observes ShutdownEvent event) {
        loop.close();
    }

    /** The loop's state; empty when this replica does not read model events. */
    public Optional<ConsumerLoop.State> state() {
        return enabled ? Optional.of(loop.state()) : Optional.empty();
    }
}
