package io.aiaas.gateway.support;

import io.aiaas.common.events.Topics;
import io.aiaas.common.predict.PredictReply;
import io.aiaas.common.predict.PredictRequest;
import io.aiaas.common.predict.PredictWire;
import io.aiaas.messaging.KafkaSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * A worker as the gateway sees one: reads {@code aiaas.predict-requests.v1} with a plain Kafka consumer (every
 * partition, from the end) and answers on the request's reply partition with what the behaviour of its model id
 * computes. A model id without a behaviour is never answered (a dead worker).
 */
public final class StandInWorker implements AutoCloseable {
    /** Requests as they arrived, with their Kafka headers' request id. */
    public record Seen(PredictRequest request, String requestIdHeader, String traceparent, String key) {}

    private final KafkaSettings settings;
    private final Map<String, Function<PredictRequest, PredictReply>> behaviours = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
    private final CountDownLatch attached = new CountDownLatch(1);
    private volatile boolean stopping;
    private final Thread thread;

    public StandInWorker(String bootstrapServers) {
        this.settings = new KafkaSettings(bootstrapServers);
        this.thread = new Thread(this::run, "stand-in-worker");
        thread.setDaemon(true);
    }

    /** Starts reading and returns once it reads every partition from its current end. */
    public StandInWorker start() throws InterruptedException {
        thread.start();
        if (!attached.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the stand-in worker never attached to " + Topics.PREDICT_REQUESTS);
        }
        return this;
    }

    /** Answers requests for {@code modelId} with {@code behaviour}. */
    public void serve(String modelId, Function<PredictRequest, PredictReply> behaviour) {
        behaviours.put(modelId, behaviour);
    }

    public List<Seen> seen() {
        return List.copyOf(seen);
    }

    private void run() {
        try (KafkaConsumer<String, byte[]> consumer =
                        new KafkaConsumer<>(settings.latencyConsumer(null, "stand-in-worker"));
                KafkaProducer<String, byte[]> producer =
                        new KafkaProducer<>(settings.latencyProducer("stand-in-worker"))) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.PREDICT_REQUESTS).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            attached.countDown();
            while (!stopping) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(20))) {
                    PredictRequest request = PredictWire.decodeRequest(record.value());
                    seen.add(new Seen(
                            request,
                            header(record, Topics.HEADER_REQUEST_ID),
                            header(record, "traceparent"),
                            record.key()));
                    Function<PredictRequest, PredictReply> behaviour = behaviours.get(request.modelId());
                    if (behaviour == null) {
                        continue;
                    }
                    PredictReply reply = behaviour.apply(request);
                    producer.send(new ProducerRecord<>(
                            Topics.PREDICT_REPLIES,
                            request.replyPartition(),
                            request.requestId(),
                            PredictWire.encode(reply)));
                }
            }
        }
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        thread.join(10_000);
    }
}
