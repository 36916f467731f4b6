package io.aiaas.model.messaging;

import io.aiaas.common.events.JobEvent;
import io.aiaas.common.events.Topics;
import io.aiaas.messaging.Backoff;
import io.aiaas.messaging.KafkaSettings;
import io.aiaas.messaging.consumer.Batch;
import io.aiaas.messaging.consumer.ConsumerLoop;
import io.aiaas.messaging.consumer.Delivery;
import io.aiaas.messaging.consumer.RecordDecoder;
import io.aiaas.messaging.trace.KafkaTracing;
import io.aiaas.model.config.ModelServiceConfig;
import io.aiaas.model.service.JobLifecycle;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.jboss.logging.Logger;

/**
 * Applies workers' job events to the jobs table. Every replica is a member of group {@code aiaas-model-job-events};
 * a poll's events are applied in one database transaction, in order per job, and offsets are committed after it, so a
 * crash or a failed commit redelivers (and {@link JobLifecycle#apply}, ordering events by {@code (attempt, seq)},
 * ignores what it applied before). An event the database
 * refuses is applied again after a backoff; the consumer restarts after any failure of its own and readiness shows
 * it meanwhile.
 */
@Singleton
public class JobEventConsumer {
    private static final Logger LOG = Logger.getLogger(JobEventConsumer.class);
    private final ModelServiceConfig config;
    private final JobLifecycle lifecycle;
    private final ConsumerLoop<JobEvent> loop;

    public JobEventConsumer(
            ModelServiceConfig config, JobLifecycle lifecycle, KafkaSettings settings, KafkaTracing tracing) {
        this.config = config;
        this.lifecycle = lifecycle;
        ModelServiceConfig.JobEvents options = config.jobEvents();
        this.loop = ConsumerLoop.builder("job-events", settings, RecordDecoder.json(JobEvent.class), this::applyAll)
                .topics(Topics.JOB_EVENTS)
                .group(options.groupId(), ConsumerLoop.CommitMode.AFTER_HANDLER)
                .consumerProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100)
                .consumerProperty(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int)
                        options.maxPollInterval().toMillis())
                .pollTimeout(options.pollTimeout())
                .backoff(new Backoff(options.retryBackoff(), options.retryBackoffMax()))
                .tracing(tracing)
                .build();
    }

    /**
     * Applies a poll's events in one transaction (one commit instead of one per event: the terminal events of many
     * jobs arrive together under load), in their tenants' order so that replicas lock tenant slots in one order. If
     * that transaction fails, each event is applied in a transaction of its own, so one event the database refuses
     * holds back no other.
     */
    private void applyAll(Batch<JobEvent> batch) throws Exception {
        List<Delivery<JobEvent>> deliveries = batch.deliveries();
        if (deliveries.size() > 1) {
            // A stable sort: one job's events (one tenant) keep their order.
            List<Delivery<JobEvent>> byTenant = new ArrayList<>(deliveries);
            byTenant.sort(Comparator.comparing(
                    d -> d.value().tenantId() == null ? "" : d.value().tenantId()));
            try {
                batch.inSpan(() -> {
                    QuarkusTransaction.requiringNew()
                            .run(() -> lifecycle.applyAll(
                                    byTenant.stream().map(Delivery::value).toList()));
                    return null;
                });
                deliveries.forEach(batch::markDone);
                return;
            } catch (RuntimeException e) {
                LOG.debugf("applying %d job events together failed (%s); one by one", deliveries.size(), e);
            }
        }
        batch.each(delivery -> lifecycle.apply(delivery.value()));
    }

    void start(@Observes StartupEvent event) {
        if (config.jobEvents().enabled()) {
            loop.start();
        }
    }

    void stop(@Observes ShutdownEvent event) {
        loop.close();
    }

    /** The loop's state, or empty when this replica does not consume job events. */
    public Optional<ConsumerLoop.State> state() {
        return config.jobEvents().enabled() ? Optional.of(loop.state()) : Optional.empty();
    }
}
