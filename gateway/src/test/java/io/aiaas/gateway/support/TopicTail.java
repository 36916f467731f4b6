package io.aiaas.gateway.support;

import io.aiaas.messaging.KafkaSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Everything published to a topic from now on, as a billing system would read it (committed records only). */
public final class TopicTail implements AutoCloseable {
    /** A record's key and value as text. */
    public record Message(String key, String value) {}

    private final KafkaSettings settings;
    private final String topic;
    private final ConcurrentLinkedQueue<Message> messages = new ConcurrentLinkedQueue<>();
    private final CountDownLatch attached = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean stopping;

    public TopicTail(String bootstrapServers, String topic) {
        this.settings = new KafkaSettings(bootstrapServers);
        this.topic = topic;
        this.thread = new Thread(this::run, "tail-" + topic);
        thread.setDaemon(true);
    }

    public TopicTail start() throws InterruptedException {
        thread.start();
        if (!attached.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("never attached to " + topic);
        }
        return this;
    }

    public List<Message> messages() {
        return List.copyOf(messages);
    }

    private void run() {
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(settings.broadcastConsumer("tail-" + topic))) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            attached.countDown();
            while (!stopping) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(50))) {
                    messages.add(new Message(record.key(), new String(record.value(), StandardCharsets.UTF_8)));
                }
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        thread.join(10_000);
    }
}
