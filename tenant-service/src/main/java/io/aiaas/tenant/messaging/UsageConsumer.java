package io.aiaas.tenant.messaging;

import io.aiaas.common.events.Topics;
import io.aiaas.messaging.Backoff;
import io.aiaas.messaging.KafkaSettings;
import io.aiaas.messaging.consumer.ConsumerLoop;
import io.aiaas.messaging.trace.KafkaTracing;
import io.aiaas.tenant.config.TenantConfig;
import io.aiaas.tenant.domain.UsageRecord;
import io.aiaas.tenant.service.UsageService;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.jboss.logging.Logger;

/**
 * Stores the usage events of {@code aiaas.usage.v1}: every replica is a member of one consumer group, so each event is
 * stored by one of them. A batch is stored in one database transaction and its offsets are committed after it, so a
 * crash re-reads it and the {@code ON CONFLICT DO NOTHING} insert stores nothing twice. A record that is not a usage
 * event is logged (position and reason) and skipped; a batch the database refuses is read again after a backoff.
 */
@Singleton
public class UsageConsumer {
    private static final Logger LOG = Logger.getLogger(UsageConsumer.class);

    private final TenantConfig config;
    private final ConsumerLoop<UsageRecord> loop;

    public UsageConsumer(TenantConfig config, UsageService usage, KafkaSettings settings, KafkaTracing tracing) {
        this.config = config;
        UsageEventParser parser = new UsageEventParser();
        TenantConfig.Usage options = config.usage();
        this.loop = ConsumerLoop.<UsageRecord>builder(
                        "usage",
                        settings,
                        record -> parser.parse(record.value(), Instant.now()),
                        batch -> batch.inSpan(() -> usage.store(batch.values())))
                .topics(Topics.USAGE)
                .group(options.groupId(), ConsumerLoop.CommitMode.AFTER_HANDLER)
                .consumerProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500)
                .consumerProperty(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, (int)
                        options.fetchMaxWait().toMillis())
                .consumerProperty(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, options.fetchMinBytes())
                .pollTimeout(options.pollTimeout())
                .backoff(new Backoff(options.retryBackoff(), options.retryBackoffMax()))
                .tracing(tracing)
                .build();
    }

    void start(@Observes StartupEvent event) {
        if (!config.usage().consumerEnabled()) {
            LOG.info("usage consumer disabled (aiaas.tenant.usage.consumer-enabled=false)");
            return;
        }
        loop.start();
    }

    void stop(@Observes ShutdownEvent event) {
        loop.close();
    }

    /** The loop's state, or empty when this replica does not consume usage. */
    public Optional<ConsumerLoop.State> state() {
        return config.usage().consumerEnabled() ? Optional.of(loop.state()) : Optional.empty();
    }
}
