package io.aiaas.model.messaging;

import io.aiaas.messaging.Backoff;
import io.aiaas.messaging.KafkaSettings;
import io.aiaas.messaging.outbox.OutboxRelay;
import io.aiaas.model.config.ModelServiceConfig;
import io.aiaas.model.service.OutboxWritten;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Singleton;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Publishes the outbox (dispatch records to {@code aiaas.jobs.v1}, dead letters, cancellations, model events): one
 * replica at a time (a database lock), right after a transaction that wrote rows commits and on a short schedule; with
 * Kafka down the rows wait.
 */
@Singleton
public class JobRequestRelay {
    private final OutboxRelay relay;

    public JobRequestRelay(ModelServiceConfig config, DataSource dataSource, KafkaSettings settings) {
        ModelServiceConfig.Outbox options = config.outbox();
        this.relay = OutboxRelay.builder("job-requests", dataSource, KafkaWiring.OUTBOX_TABLE, settings)
                .batchSize(options.batchSize())
                .interval(options.interval())
                .sendTimeout(options.sendTimeout())
                .leaderRetry(options.leaderRetry())
                .backoff(new Backoff(Duration.ofMillis(500), Duration.ofSeconds(10)))
                .build();
    }

    void start(@Observes StartupEvent event) {
        relay.start();
    }

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
