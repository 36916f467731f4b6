package io.aiaas.model.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.json.Json;
import io.aiaas.model.config.ModelServiceConfig;
import io.aiaas.model.domain.OutboxRecord;
import io.aiaas.model.repository.OutboxRepository;
import io.aiaas.model.service.OutboxWritten;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.jboss.logging.Logger;

/**
 * Publishes outbox rows to Kafka in id order and deletes each once the broker has acknowledged it. Runs right after a
 * transaction that wrote rows commits, and on a short schedule as a safety net (crash between commit and publish,
 * Kafka down). Replicas share the table through {@code FOR UPDATE SKIP LOCKED}. Kafka down: rows wait; a row
 * published but not deleted (crash) is published again, and consumers are idempotent.
 */
@ApplicationScoped
public class OutboxRelay {
    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);

    private final OutboxRepository outbox;
    private final ModelServiceConfig config;
    private final KafkaSettings kafka;
    private final ReentrantLock draining = new ReentrantLock();
    private final AtomicBoolean requested = new AtomicBoolean();
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "aiaas-outbox-relay");
        t.setDaemon(true);
        return t;
    });
    private volatile Producer<String, String> producer;

    public OutboxRelay(OutboxRepository outbox, ModelServiceConfig config, KafkaSettings kafka) {
        this.outbox = outbox;
        this.config = config;
        this.kafka = kafka;
    }

    void afterCommit(@Observes(during = TransactionPhase.AFTER_SUCCESS) OutboxWritten written) {
        trigger();
    }

    /** Asks for a drain soon, off the caller's thread; requests made while one runs fold into one more pass. */
    public void trigger() {
        if (requested.compareAndSet(false, true)) {
            executor.execute(() -> {
                requested.set(false);
                drain();
            });
        }
    }

    @Scheduled(
            every = "${aiaas.model.outbox.interval:2s}",
            delayed = "2s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        trigger();
    }

    /** Publishes until the table is empty or Kafka fails; returns how many records were published. */
    public int drain() {
        if (!draining.tryLock()) {
            return 0;
        }
        int total = 0;
        try {
            while (true) {
                int published = QuarkusTransaction.requiringNew()
                        .timeout((int) config.outbox().sendTimeout().toSeconds() + 30)
                        .call(this::publishBatch);
                total += published;
                if (published < config.outbox().batchSize()) {
                    return total;
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("outbox relay paused: %s", e.getMessage());
            return total;
        } finally {
            draining.unlock();
        }
    }

    /** One batch in one transaction: lock, send all, wait for acknowledgements in order, delete the acknowledged. */
    private int publishBatch() {
        List<OutboxRecord> rows = outbox.lockBatch(config.outbox().batchSize());
        if (rows.isEmpty()) {
            return 0;
        }
        Producer<String, String> kafkaProducer = producer();
        List<Future<RecordMetadata>> sends = new ArrayList<>(rows.size());
        for (OutboxRecord row : rows) {
            Future<RecordMetadata> send = kafkaProducer.send(record(row));
            sends.add(send);
            if (send.isDone() && failed(send)) {
                // the broker is unreachable (metadata timed out): do not wait once per row
                break;
            }
        }
        long deadline = System.nanoTime() + config.outbox().sendTimeout().toNanos();
        int published = 0;
        for (int i = 0; i < sends.size(); i++) {
            try {
                sends.get(i).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (Exception e) {
                // keep this row and everything after it, in order, for the next round
                LOG.warnf("outbox row %d not acknowledged by Kafka (%s); will retry", rows.get(i).id, e.toString());
                break;
            }
            outbox.delete(rows.get(i));
            published++;
        }
        return published;
    }

    private static boolean failed(Future<RecordMetadata> send) {
        try {
            send.get();
            return false;
        } catch (Exception e) {
            return true;
        }
    }

    private static ProducerRecord<String, String> record(OutboxRecord row) {
        ProducerRecord<String, String> record = new ProducerRecord<>(row.topic, row.recordKey, row.payload);
        try {
            JsonNode headers = Json.mapper().readTree(row.headers);
            headers.fields().forEachRemaining(h -> record.headers()
                    .add(h.getKey(), h.getValue().asText().getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            LOG.warnf("outbox row %d has unreadable headers; publishing without them", row.id);
        }
        return record;
    }

    private Producer<String, String> producer() {
        Producer<String, String> p = producer;
        if (p == null) {
            synchronized (this) {
                p = producer;
                if (p == null) {
                    p = new KafkaProducer<>(kafka.producer("aiaas-model-outbox"));
                    producer = p;
                }
            }
        }
        return p;
    }

    void shutdown(@Observes ShutdownEvent event) {
        executor.shutdownNow();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Producer<String, String> p = producer;
        if (p != null) {
            p.close(java.time.Duration.ofSeconds(5));
        }
    }
}
