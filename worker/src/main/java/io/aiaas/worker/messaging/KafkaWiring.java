package io.aiaas.worker.messaging;

import io.aiaas.messaging.Backoff;
import io.aiaas.messaging.KafkaSettings;
import io.aiaas.messaging.topic.PlatformTopics;
import io.aiaas.messaging.topic.TopicDeclarations;
import io.aiaas.messaging.trace.KafkaTracing;
import io.opentelemetry.api.OpenTelemetry;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The messaging module wired into the worker: its Kafka settings and tracing, and the declaration of the topics it
 * consumes and produces (before the job loop starts).
 */
@Singleton
public class KafkaWiring {
    private final KafkaSettings settings;

    public KafkaWiring(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.settings = new KafkaSettings(bootstrapServers);
    }

    @Produces
    @Singleton
    KafkaSettings kafkaSettings() {
        return settings;
    }

    @Produces
    @Singleton
    KafkaTracing kafkaTracing(OpenTelemetry openTelemetry) {
        return new KafkaTracing(openTelemetry);
    }

    void declareTopics(@Observes @Priority(10) StartupEvent event) {
        TopicDeclarations.declareAtStartup(
                settings,
                List.of(
                        PlatformTopics.JOBS,
                        PlatformTopics.JOB_EVENTS,
                        PlatformTopics.USAGE,
                        PlatformTopics.JOB_CONTROL,
                        PlatformTopics.PREDICT_REQUESTS,
                        PlatformTopics.PREDICT_REPLIES,
                        PlatformTopics.MODEL_EVENTS),
                new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30)));
    }
}
