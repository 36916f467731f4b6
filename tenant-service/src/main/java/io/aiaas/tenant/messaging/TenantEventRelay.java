package io.aiaas.tenant.messaging;

import io.aiaas.common.events.TenantEvent;
import io.aiaas.common.events.Topics;
import io.aiaas.common.id.Ids;
import io.aiaas.common.json.Json;
import io.aiaas.messaging.Backoff;
import io.aiaas.messaging.KafkaSettings;
import io.aiaas.messaging.outbox.OutboxRelay;
import io.aiaas.tenant.config.TenantConfig;
import io.aiaas.tenant.repository.OutboxWritten;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Singleton;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Publishes tenant events from the outbox to {@code aiaas.tenant-events.v1} (one replica at a time, per-tenant order)
 * and, after each pass that published everything pending, a watermark heartbeat to every partition.
 */
@Singleton
public class TenantEventRelay {
    private final OutboxRelay relay;

    public TenantEventRelay(TenantConfig config, DataSource dataSource, KafkaSettings settings) {
        TenantConfig.Outbox options = config.outbox();
        this.relay = OutboxRelay.builder("tenant-events", dataSource, KafkaWiring.OUTBOX_TABLE, settings)
                .batchSize(options.batchSize())
                .interval(options.interval())
                .sendTimeout(options.sendTimeout())
                .leaderRetry(options.leaderRetry())
                .backoff(new Backoff(Duration.ofMillis(500), Duration.ofSeconds(10)))
                .heartbeat(new OutboxRelay.Heartbeat(
                        Topics.TENANT_EVENTS, options.heartbeatInterval(), TenantEventRelay::heartbeat))
                .build();
    }

    static String heartbeat(java.time.Instant watermark) {
        return Json.write(
                new TenantEvent(Ids.newId(Ids.EVENT), TenantEvent.TYPE_HEARTBEAT, null, null, null, watermark));
    }

    void start(@Observes StartupEvent event) {
        relay.start();
    }

    /** Publishes at once what a transaction wrote, once it has committed. */
    void afterCommit(@Observes(during = TransactionPhase.AFTER_SUCCESS) OutboxWritten written) {
        relay.trigger();
    }

    void stop(@Observes ShutdownEvent event) {
        relay.close();
    }

    public OutboxRelay.State state() {
        return relay.state();
    }
}
