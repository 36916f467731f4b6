package io.aiaas.model.messaging;

import io.aiaas.common.events.TenantEvent;
import io.aiaas.common.events.Topics;
import io.aiaas.messaging.Backoff;
import io.aiaas.messaging.KafkaSettings;
import io.aiaas.messaging.consumer.ConsumerLoop;
import io.aiaas.messaging.consumer.RecordDecoder;
import io.aiaas.messaging.trace.KafkaTracing;
import io.aiaas.model.config.ModelServiceConfig;
import io.aiaas.model.service.TenantSuspensions;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.Optional;

/**
 * Reads {@code aiaas.tenant-events.v1} (group {@code aiaas-model-tenant-events}, offsets committed after each batch)
 * so that a suspended tenant's waiting jobs are held and a deleted tenant's objects purged ({@link TenantSuspensions}).
 */
@Singleton
public class TenantEventConsumer {
    private final ModelServiceConfig config;
    private final ConsumerLoop<TenantEvent> loop;

    public TenantEventConsumer(
            ModelServiceConfig config, TenantSuspensions suspensions, KafkaSettings settings, KafkaTracing tracing) {
        this.config = config;
        ModelServiceConfig.JobEvents backoff = config.jobEvents();
        this.loop = ConsumerLoop.builder(
                        "tenant-events",
                        settings,
                        RecordDecoder.json(TenantEvent.class),
                        batch -> batch.each(delivery -> suspensions.apply(delivery.value())))
                .topics(Topics.TENANT_EVENTS)
                .group(config.tenantEvents().groupId(), ConsumerLoop.CommitMode.AFTER_HANDLER)
                .pollTimeout(backoff.pollTimeout())
                .backoff(new Backoff(backoff.retryBackoff(), backoff.retryBackoffMax()))
                .tracing(tracing)
                .build();
    }

    void start(@Observes StartupEvent event) {
        if (config.tenantEvents().enabled()) {
            loop.start();
        }
    }

    void stop(@Observes ShutdownEvent event) {
        loop.close();
    }

    /** The loop's state, or empty when this replica does not consume tenant events. */
    public Optional<ConsumerLoop.State> state() {
        return config.tenantEvents().enabled() ? Optional.of(loop.state()) : Optional.empty();
    }
}
