package io.aiaas.tenant.messaging;

import io.aiaas.common.events.Topics;
import io.aiaas.tenant.config.TenantConfig;
import io.aiaas.tenant.domain.UsageRecord;
import io.aiaas.tenant.service.UsageService;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Stores the usage events of {@code aiaas.usage.v1}. One thread per replica, started with the application and stopped
 * with it. Offsets are committed only after the events' database transaction, so a crash re-reads them and the
 * {@code ON CONFLICT DO NOTHING} insert makes the second reading change nothing. A record that is not a usage event is
 * logged (position and reason only) and skipped; a batch the database refuses is read again after a pause.
 */
@ApplicationScoped
public class UsageConsumer {
    private static final Logger LOG = Logger.getLogger(UsageConsumer.class);

    private final TenantConfig config;
    private final UsageService usage;
    private final String bootstrapServers;
    private final UsageEventParser parser = new UsageEventParser();
    private final CountDownLatch stopping = new CountDownLatch(1);

    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile Thread thread;
    private volatile boolean joined;
    private volatile boolean storeFailing;
    private volatile Instant lastPoll;
    private volatile String lastProblem;
    private volatile List<String> assigned = List.of();

    public UsageConsumer(
            TenantConfig config,
            UsageService usage,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.config = config;
        this.usage = usage;
        this.bootstrapServers = bootstrapServers;
    }

    /** What readiness reports. */
    public record State(
            boolean enabled,
            boolean running,
            boolean joined,
            boolean storeFailing,
            Instant lastPoll,
            String lastProblem,
            List<String> partitions) {
        public boolean ready() {
            return !enabled || (running && joined && !storeFailing);
        }
    }

    public State state() {
        Thread t = thread;
        return new State(
                config.usage().consumerEnabled(),
                t != null && t.isAlive(),
                joined,
                storeFailing,
                lastPoll,
                lastProblem,
                assigned);
    }

    void start(@Observes StartupEvent event) {
        if (!config.usage().consumerEnabled()) {
            LOG.info("usage consumer disabled (aiaas.tenant.usage.consumer-enabled=false)");
            return;
        }
        Thread t = new Thread(this::run, "aiaas-usage-consumer");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    void stop(@Observes ShutdownEvent event) {
        stopping.countDown();
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        Thread t = thread;
        if (t != null) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(15));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private boolean running() {
        return stopping.getCount() > 0;
    }

    private void run() {
        while (running()) {
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(properties())) {
                consumer = c;
                if (!running()) {
                    return; // stop() came before the consumer existed
                }
                c.subscribe(List.of(Topics.USAGE), new Rebalance());
                while (running()) {
                    ConsumerRecords<String, byte[]> records =
                            c.poll(config.usage().pollTimeout());
                    lastPoll = Instant.now();
                    if (!records.isEmpty()) {
                        process(c, records);
                    }
                }
            } catch (WakeupException e) {
                // stopping
            } catch (RuntimeException e) {
                lastProblem = "consumer failed: " + e.getClass().getSimpleName();
                LOG.errorf(e, "usage consumer failed; starting a new one");
                pause();
            } finally {
                consumer = null;
                joined = false;
            }
        }
    }

    private void process(KafkaConsumer<String, byte[]> c, ConsumerRecords<String, byte[]> records) {
        Instant now = Instant.now();
        List<UsageRecord> batch = new ArrayList<>(records.count());
        for (ConsumerRecord<String, byte[]> record : records) {
            try {
                batch.add(parser.parse(record.value(), now));
            } catch (UsageEventParser.MalformedEvent e) {
                LOG.warnf(
                        "skipping a malformed usage record at %s-%d offset %d: %s",
                        record.topic(), record.partition(), record.offset(), e.getMessage());
            }
        }
        if (!batch.isEmpty()) {
            try {
                int stored = usage.store(batch);
                LOG.debugf("stored %d new of %d usage events", stored, batch.size());
                storeFailing = false;
            } catch (Exception e) {
                storeFailing = true;
                lastProblem = "cannot store usage events: " + e.getClass().getSimpleName();
                LOG.errorf("cannot store %d usage events (%s); reading them again", batch.size(), e.getMessage());
                rewind(c, records);
                pause();
                return;
            }
        }
        commit(c, records);
    }

    private void commit(KafkaConsumer<String, byte[]> c, ConsumerRecords<String, byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<String, byte[]>> inPartition = records.records(tp);
            offsets.put(
                    tp,
                    new OffsetAndMetadata(
                            inPartition.get(inPartition.size() - 1).offset() + 1));
        }
        try {
            c.commitSync(offsets);
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            // The events are stored; whoever reads them again stores nothing twice.
            LOG.warnf("committing usage offsets failed (%s); the events may be read again", e.getMessage());
        }
    }

    private void rewind(KafkaConsumer<String, byte[]> c, ConsumerRecords<String, byte[]> records) {
        for (TopicPartition tp : records.partitions()) {
            try {
                c.seek(tp, records.records(tp).get(0).offset());
            } catch (IllegalStateException e) {
                // no longer ours: its next owner starts from the committed offset
            }
        }
    }

    private void pause() {
        try {
            stopping.await(config.usage().retryBackoff().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping.countDown();
        }
    }

    private Properties properties() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.usage().groupId());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "tenant-service-usage-" + UUID.randomUUID());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // A new group bills everything on the topic, not only what arrives after it first starts.
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        // Bytes, so no record can fail deserialisation inside poll() and block its partition.
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            joined = true;
            assigned = consumer == null
                    ? List.of()
                    : consumer.assignment().stream()
                            .map(TopicPartition::toString)
                            .sorted()
                            .toList();
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // offsets are committed after every batch: nothing to do
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            joined = false;
            assigned = List.of();
        }
    }
}
