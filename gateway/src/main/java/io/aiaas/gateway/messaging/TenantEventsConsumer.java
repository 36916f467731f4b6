package io.aiaas.gateway.messaging;

import io.aiaas.common.events.Topics;
import io.aiaas.gateway.config.GatewayConfig;
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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Every gateway replica reads every partition of {@code aiaas.tenant-events.v1} (the messaging module's broadcast
 * consumer) and hands the records, in partition order, to {@link TenantEventFeed}. The loop restarts by itself after
 * any failure and resumes where it stopped; while it cannot read, heartbeats go stale and the key cache falls back to
 * its 1 s lifetime, so revocations keep their promise either way.
 */
@Singleton
public class TenantEventsConsumer {
    private static final Logger LOG = Logger.getLogger(TenantEventsConsumer.class);

    private final GatewayConfig config;
    private final KafkaSettings settings;
    private final ConsumerLoop<String> loop;

    public TenantEventsConsumer(
            GatewayConfig config,
            TenantEventFeed feed,
            OpenTelemetry telemetry,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.config = config;
        this.settings = new KafkaSettings(bootstrapServers);
        RecordDecoder<String> utf8 = record -> new String(record.value(), StandardCharsets.UTF_8);
        this.loop = ConsumerLoop.<String>builder("tenant-events", settings, utf8, batch -> batch.deliveries()
                        .forEach(d -> feed.received(d.partition(), d.value())))
                .topics(Topics.TENANT_EVENTS)
                .broadcast()
                .onAssignment(partitions -> feed.partitionsAssigned(
                        partitions.stream().map(p -> p.partition()).collect(Collectors.toSet())))
                .pollTimeout(config.tenantEvents().pollTimeout())
                .backoff(new Backoff(Duration.ofMillis(500), Duration.ofSeconds(10)))
                .tracing(new KafkaTracing(telemetry))
                .build();
    }

    void start(@Observes StartupEvent event) {
        if (!config.tenantEvents().enabled()) {
            LOG.info("tenant events are not read (aiaas.gateway.tenant-events.enabled=false): 1 s key-cache lifetime");
            return;
        }
        // Declared here too (idempotent), so a gateway started before tenant-service does not wait for it.
        TopicDeclarations.declareAtStartup(
                settings,
                List.of(PlatformTopics.TENANT_EVENTS),
                new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30)));
        loop.start();
    }

    void stop(@Observes ShutdownEvent event) {
        loop.close();
    }

    /** The loop's state; empty when this replica does not read tenant events. */
    public Optional<ConsumerLoop.State> state() {
        return config.tenantEvents().enabled() ? Optional.of(loop.state()) : Optional.empty();
    }
}
