package io.aiaas.gateway.messaging;

import io.aiaas.common.events.Topics;
import io.aiaas.common.events.UsageEvent;
import io.aiaas.common.id.Ids;
import io.aiaas.common.json.Json;
import io.aiaas.gateway.config.GatewayConfig;
import io.aiaas.messaging.KafkaSettings;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Usage events of answered predictions on {@code aiaas.usage.v1} (key: tenant id), with the durable producer
 * ({@code acks=all}, idempotent): a prediction is answered only once its usage event is acknowledged by the broker.
 * The event's id ({@code usage-<req_…>}) is what billing deduplicates by.
 */
@Singleton
public class UsageRecorder {
    private static final Logger LOG = Logger.getLogger(UsageRecorder.class);

    private final boolean enabled;
    private final KafkaSettings settings;
    private volatile KafkaProducer<String, String> producer;

    public UsageRecorder(
            GatewayConfig config, @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.enabled = config.predict().enabled();
        this.settings = new KafkaSettings(bootstrapServers);
    }

    /**
     * Sends {@code event}; {@code acknowledged} hears null once the broker has it, or the failure, on the producer's
     * thread. Never blocks for long: the producer's metadata wait is bounded ({@code max.block.ms}).
     */
    public void record(UsageEvent event, Consumer<Exception> acknowledged) {
        try {
            RecordHeaders headers = new RecordHeaders();
            if (event.data().requestId() != null) {
                headers.add(Topics.HEADER_REQUEST_ID, event.data().requestId().getBytes(StandardCharsets.UTF_8));
            }
            producer()
                    .send(
                            new ProducerRecord<>(Topics.USAGE, null, event.subject(), Json.write(event), headers),
                            (metadata, failure) -> acknowledged.accept(failure));
        } catch (RuntimeException e) {
            acknowledged.accept(e);
        }
    }

    private KafkaProducer<String, String> producer() {
        KafkaProducer<String, String> p = producer;
        if (p == null) {
            synchronized (this) {
                if (!enabled) {
                    throw new IllegalStateException("online prediction is off");
                }
                p = producer;
                if (p == null) {
                    p = new KafkaProducer<>(settings.producer(
                            "aiaas-gateway-usage-" + Ids.randomBase62(6).toLowerCase(Locale.ROOT)));
                    producer = p;
                }
            }
        }
        return p;
    }

    /** Fetches the topic's metadata off the request path, so the first prediction's usage does not wait for it. */
    void start(@Observes StartupEvent event) {
        if (!enabled) {
            return;
        }
        Thread warm = new Thread(
                () -> {
                    try {
                        producer().partitionsFor(Topics.USAGE);
                    } catch (RuntimeException e) {
                        LOG.warnf("usage topic metadata not available yet (%s); the first usage event fetches it", e);
                    }
                },
                "aiaas-usage-warm-up");
        warm.setDaemon(true);
        warm.start();
    }

    void stop(@Observes ShutdownEvent event) {
        KafkaProducer<String, String> p = producer;
        if (p != null) {
            p.close(Duration.ofSeconds(5));
        }
    }
}
