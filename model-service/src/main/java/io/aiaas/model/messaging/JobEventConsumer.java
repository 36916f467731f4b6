package io.aiaas.model.messaging;

import io.aiaas.common.events.JobEvent;
import io.aiaas.common.events.Topics;
import io.aiaas.common.json.Json;
import io.aiaas.model.config.ModelServiceConfig;
import io.aiaas.model.service.JobLifecycle;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * Applies workers' job events to the jobs table. One thread per replica, all in group
 * {@code aiaas-model-job-events}; offsets are committed only after the database transaction of each record has
 * committed, so a crash redelivers (and {@link JobLifecycle#apply} ignores what it has seen).
 */
@ApplicationScoped
public class JobEventConsumer {
    private static final Logger LOG = Logger.getLogger(JobEventConsumer.class);
    private static final Duration SEEN_RETENTION = Duration.ofDays(30);

    private final JobLifecycle lifecycle;
    private final KafkaSettings kafka;
    private final ModelServiceConfig config;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running;
    private volatile Consumer<String, String> consumer;
    private Thread thread;

    public JobEventConsumer(JobLifecycle lifecycle, KafkaSettings kafka, ModelServiceConfig config) {
        this.lifecycle = lifecycle;
        this.kafka = kafka;
        this.config = config;
    }

    void start(@Observes StartupEvent event) {
        if (!config.jobEvents().enabled()) {
            stopped.countDown();
            return;
        }
        running = true;
        thread = new Thread(this::run, "aiaas-job-events");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        Consumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            stopped.await(15, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try (Consumer<String, String> c =
                new KafkaConsumer<>(kafka.consumer(config.jobEvents().groupId(), "aiaas-model-job-events"))) {
            consumer = c;
            c.subscribe(List.of(Topics.JOB_EVENTS));
            while (running) {
                ConsumerRecords<String, String> records = c.poll(Duration.ofSeconds(1));
                if (!records.isEmpty()) {
                    handle(c, records);
                }
            }
        } catch (WakeupException e) {
            // shutting down
        } catch (RuntimeException e) {
            LOG.error("job event consumer stopped", e);
        } finally {
            stopped.countDown();
        }
    }

    private void handle(Consumer<String, String> c, ConsumerRecords<String, String> records) {
        Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
        for (ConsumerRecord<String, String> record : records) {
            TopicPartition partition = new TopicPartition(record.topic(), record.partition());
            try {
                JobEvent event = parse(record);
                if (event != null) {
                    lifecycle.apply(event);
                }
                done.put(partition, new OffsetAndMetadata(record.offset() + 1));
            } catch (RuntimeException e) {
                // the database is unavailable or the update failed: keep what is done, retry from this record
                LOG.warnf("job event at %s@%d not applied (%s); retrying", partition, record.offset(), e.toString());
                commit(c, done);
                for (TopicPartition p : records.partitions()) {
                    OffsetAndMetadata next = done.get(p);
                    if (p.equals(partition)) {
                        c.seek(p, record.offset());
                    } else if (next != null) {
                        c.seek(p, next.offset());
                    } else {
                        c.seek(p, records.records(p).get(0).offset());
                    }
                }
                pause(config.jobEvents().retryBackoff());
                return;
            }
        }
        commit(c, done);
    }

    private static JobEvent parse(ConsumerRecord<String, String> record) {
        try {
            return Json.read(record.value(), JobEvent.class);
        } catch (IllegalArgumentException | NullPointerException e) {
            LOG.warnf("skipping unreadable job event at %s-%d@%d", record.topic(), record.partition(), record.offset());
            return null;
        }
    }

    private static void commit(Consumer<String, String> c, Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (!offsets.isEmpty()) {
            c.commitSync(offsets);
        }
    }

    private void pause(Duration backoff) {
        try {
            Thread.sleep(backoff.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Event ids are kept long enough to recognise any redelivery, then forgotten. */
    @Scheduled(every = "1h", delayed = "10m")
    void forgetOldEventIds() {
        lifecycle.forgetSeenEventsBefore(Instant.now().minus(SEEN_RETENTION).truncatedTo(ChronoUnit.SECONDS));
    }
}
