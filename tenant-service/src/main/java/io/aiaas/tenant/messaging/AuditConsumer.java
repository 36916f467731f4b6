package io.aiaas.tenant.messaging;

import io.aiaas.common.events.AuditRecord;
import io.aiaas.common.events.Topics;
import io.aiaas.messaging.Backoff;
import io.aiaas.messaging.KafkaSettings;
import io.aiaas.messaging.consumer.ConsumerLoop;
import io.aiaas.messaging.consumer.RecordDecoder;
import io.aiaas.messaging.trace.KafkaTracing;
import io.aiaas.tenant.config.TenantConfig;
import io.aiaas.tenant.service.AuditLog;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.jboss.logging.Logger;

/**
 * Stores the audit records other services send on {@code aiaas.audit.v1} into the audit trail: every replica is a
 * member of one consumer group, a batch is stored in one transaction and its offsets are committed after it, so a
 * redelivery finds the record's id stored already ({@code ON CONFLICT DO NOTHING}) and adds no second entry. A record
 * that is not an audit record (or lacks what an entry needs) is logged by position and skipped.
 */
@Singleton
public class AuditConsumer {
    private static final Logger LOG = Logger.getLogger(AuditConsumer.class);
    private static final int MAX_TEXT = 512;

    private final TenantConfig config;
    private final ConsumerLoop<AuditRecord> loop;

    public AuditConsumer(TenantConfig config, AuditLog audit, KafkaSettings settings, KafkaTracing tracing) {
        this.config = config;
        TenantConfig.Audit options = config.audit();
        RecordDecoder<AuditRecord> json = RecordDecoder.json(AuditRecord.class);
        this.loop = ConsumerLoop.<AuditRecord>builder(
                        "audit",
                        settings,
                        record -> complete(json.decode(record)),
                        batch -> batch.inSpan(() -> audit.store(batch.values())))
                .topics(Topics.AUDIT)
                .group(options.groupId(), ConsumerLoop.CommitMode.AFTER_HANDLER)
                .consumerProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500)
                .pollTimeout(options.pollTimeout())
                .backoff(new Backoff(options.retryBackoff(), options.retryBackoffMax()))
                .tracing(tracing)
                .build();
    }

    /** The record, when it has what an entry needs; unreadable otherwise (skipped, as it would fail every time). */
    static AuditRecord complete(AuditRecord record) {
        if (record == null
                || !present(record.id())
                || record.at() == null
                || !present(record.actor())
                || !present(record.action())
                || !present(record.target())) {
            throw new IllegalArgumentException("an audit record without id, at, actor, action or target");
        }
        if (record.id().length() > MAX_TEXT
                || record.actor().length() > MAX_TEXT
                || record.action().length() > MAX_TEXT
                || record.target().length() > MAX_TEXT
                || (record.tenantId() != null && record.tenantId().length() > MAX_TEXT)
                || (record.requestId() != null && record.requestId().length() > MAX_TEXT)) {
            throw new IllegalArgumentException("an audit record with an oversized field");
        }
        return record;
    }

    private static boolean present(String value) {
        return value != null && !value.isBlank() && value.indexOf('\0') < 0;
    }

    void start(@Observes StartupEvent event) {
        if (!config.audit().consumerEnabled()) {
            LOG.info("audit consumer disabled (aiaas.tenant.audit.consumer-enabled=false)");
            return;
        }
        loop.start();
    }

    void stop(@Observes ShutdownEvent event) {
        loop.close();
    }

    /** The loop's state, or empty when this replica does not consume audit records. */
    public Optional<ConsumerLoop.State> state() {
        return config.audit().consumerEnabled() ? Optional.of(loop.state()) : Optional.empty();
    }
}
