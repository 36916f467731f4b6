package io.aiaas.messaging.consumer;

import io.aiaas.messaging.trace.KafkaTracing;
import io.opentelemetry.context.Context;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The records one poll returned, decoded, in partition order. The handler marks what it has done so that a failure
 * part-way through re-reads only the rest: marking a delivery done marks every earlier delivery of its partition.
 */
public final class Batch<T> {
    /** Work on one delivery. */
    @FunctionalInterface
    public interface DeliveryHandler<T> {
        void handle(Delivery<T> delivery) throws Exception;
    }

    private final List<Delivery<T>> deliveries;
    private final ConsumerGroupMetadata groupMetadata;
    private final KafkaTracing tracing;
    private final BooleanSupplier stopping;
    private final Map<TopicPartition, Long> doneThrough = new HashMap<>();
    private boolean stoppedEarly;

    Batch(
            List<Delivery<T>> deliveries,
            ConsumerGroupMetadata groupMetadata,
            KafkaTracing tracing,
            BooleanSupplier stopping) {
        this.deliveries = List.copyOf(deliveries);
        this.groupMetadata = groupMetadata;
        this.tracing = tracing;
        this.stopping = stopping;
    }

    public List<Delivery<T>> deliveries() {
        return deliveries;
    }

    /** The values of the deliveries, in order. */
    public List<T> values() {
        return deliveries.stream().map(Delivery::value).toList();
    }

    /**
     * Runs {@code work} for each delivery not yet done, in order, each in a {@code CONSUMER} span whose parent is the
     * record's trace context, and marks each done once {@code work} returns. Stops early (leaving the rest for the
     * next consumer) when the loop is closing.
     */
    public void each(DeliveryHandler<T> work) throws Exception {
        for (Delivery<T> delivery : deliveries) {
            if (isDone(delivery)) {
                continue;
            }
            if (stopRequested()) {
                stoppedEarly = true;
                return;
            }
            tracing.inConsumerSpan(delivery.topic(), delivery.traceParent(), () -> {
                work.handle(delivery);
                return null;
            });
            markDone(delivery);
        }
    }

    /** Runs {@code work} for the whole batch in one {@code CONSUMER} span linked to every record's trace context. */
    public <R> R inSpan(Callable<R> work) throws Exception {
        Set<String> topics = new LinkedHashSet<>();
        deliveries.forEach(d -> topics.add(d.topic()));
        List<Context> parents = deliveries.stream().map(Delivery::traceParent).toList();
        return tracing.inBatchSpan(String.join(",", topics), parents, work);
    }

    /** Marks {@code delivery}, and every earlier delivery of its partition, done. */
    public void markDone(Delivery<T> delivery) {
        doneThrough.merge(delivery.topicPartition(), delivery.offset() + 1, Math::max);
    }

    public boolean isDone(Delivery<T> delivery) {
        Long through = doneThrough.get(delivery.topicPartition());
        return through != null && delivery.offset() < through;
    }

    /** The offsets to commit once {@code delivery} is done: for {@code sendOffsetsToTransaction}. */
    public Map<TopicPartition, OffsetAndMetadata> offsetsThrough(Delivery<T> delivery) {
        return Map.of(delivery.topicPartition(), new OffsetAndMetadata(delivery.offset() + 1));
    }

    /**
     * The consumer group's metadata, for {@code sendOffsetsToTransaction}.
     *
     * @throws IllegalStateException in broadcast mode, which has no group
     */
    public ConsumerGroupMetadata groupMetadata() {
        if (groupMetadata == null) {
            throw new IllegalStateException("a broadcast consumer has no group");
        }
        return groupMetadata;
    }

    /** Whether the loop is closing: a long batch should stop at the next delivery boundary. */
    public boolean stopRequested() {
        return stopping.getAsBoolean();
    }

    boolean stoppedEarly() {
        return stoppedEarly;
    }

    /** The offset of the first delivery of {@code partition} not done, or -1 when all are. */
    long firstPending(TopicPartition partition) {
        for (Delivery<T> delivery : deliveries) {
            if (delivery.topicPartition().equals(partition) && !isDone(delivery)) {
                return delivery.offset();
            }
        }
        return -1;
    }
}
