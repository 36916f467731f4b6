package io.aiaas.tenant.messaging;

import io.aiaas.messaging.Backoff;
import io.aiaas.messaging.KafkaSettings;
import io.aiaas.messaging.outbox.OutboxWriter;
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
import javax.sql.DataSource;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The messaging module wired into this service: its Kafka settings, tracing and outbox writer, and the declaration
 * of the topics it produces and consumes (before any consumer or relay starts).
 */
@Singleton
public class KafkaWiring {
    /** The outbox table of tenant events (schema {@code tenant}). */
    public static final String OUTBOX_TABLE = "outbox";

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

    @Produces
    @Singleton
    OutboxWriter outboxWriter(DataSource dataSource, KafkaTracing tracing) {
        return new OutboxWriter(dataSource, OUTBOX_TABLE, tracing);
    }

    void declareTopics(@Observes @Priority(10) StartupEvent event) {
        TopicDeclarations.declareAtStartup(
                settings,
                List.of(PlatformTopics.USAGE, PlatformTopics.TENANT_EVENTS, PlatformTopics.AUDIT),
                new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30)));
    }
}
