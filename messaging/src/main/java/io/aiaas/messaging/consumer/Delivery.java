package io.aiaas.messaging.consumer;

import io.aiaas.messaging.trace.KafkaTracing;
import io.opentelemetry.context.Context;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/** One decoded record of a {@link Batch}: its value and where it came from. */
public final class Delivery<T> {
    private final ConsumerRecord<String, byte[]> record;
    private final T value;
    private final KafkaTracing tracing;
    private Context traceParent;

    Delivery(ConsumerRecord<String, byte[]> record, T value, KafkaTracing tracing) {
        this.record = record;
        this.value = value;
        this.tracing = tracing;
    }

    public T value() {
        return value;
    }

    public String key() {
        return record.key();
    }

    public String topic() {
        return record.topic();
    }

    public int partition() {
        return record.partition();
    }

    public long offset() {
        return record.offset();
    }

    public TopicPartition topicPartition() {
        return new TopicPartition(record.topic(), record.partition());
    }

    public Instant timestamp() {
        return Instant.ofEpochMilli(record.timestamp());
    }

    public Headers headers() {
        return record.headers();
    }

    /** A header's last value as UTF-8 text, or null. */
    public String header(String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** The trace context the producer wrote into the record (the root context when there is none). */
    public Context traceParent() {
        if (traceParent == null) {
            traceParent = tracing.extract(record.headers());
        }
        return traceParent;
    }

    /** The record's position, never its content (safe to log). */
    @Override
    public String toString() {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
    }
}
