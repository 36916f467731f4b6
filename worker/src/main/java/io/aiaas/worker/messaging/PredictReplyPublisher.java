package io.aiaas.worker.messaging;

import io.aiaas.common.events.Topics;
import io.aiaas.common.predict.PredictReply;
import io.aiaas.common.predict.PredictWire;
import io.aiaas.messaging.KafkaSettings;
import io.aiaas.worker.config.WorkerIdentity;
import io.aiaas.worker.service.PendingPrediction;
import io.aiaas.worker.service.PredictionSink;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.jboss.logging.Logger;

/**
 * Sends the replies to online predictions to {@link Topics#PREDICT_REPLIES}: on the partition the request names (its
 * gateway replica reads it), keyed by request id, with the request's {@code x-request-id} and {@code traceparent}.
 * The latency producer ({@code acks=1}, no transactions): a reply needs no durability beyond its call.
 */
@Singleton
public class PredictReplyPublisher implements PredictionSink {
    private static final Logger LOG = Logger.getLogger(PredictReplyPublisher.class);

    private final KafkaSettings settings;
    private final WorkerIdentity identity;
    private volatile Producer<String, byte[]> producer;
    /** The reply topic's partitions: a send to one past them would block for the metadata that never comes. */
    private volatile int partitions;

    public PredictReplyPublisher(KafkaSettings settings, WorkerIdentity identity) {
        this.settings = settings;
        this.identity = identity;
    }

    /** Opens the producer and learns the reply topic's partitions (on the starting thread, not a run's). */
    public synchronized void start() {
        if (producer == null) {
            producer = new KafkaProducer<>(settings.latencyProducer("aiaas-worker-replies-" + identity.workerId()));
        }
        partitions();
    }

    public boolean ready() {
        return producer != null && partitions > 0;
    }

    @Override
    public void reply(PendingPrediction prediction, PredictReply reply) {
        Producer<String, byte[]> p = producer;
        int partition = prediction.request().replyPartition();
        if (p == null) {
            LOG.debugf("no reply producer: the reply to %s is dropped", reply.requestId());
            return;
        }
        if (partition < 0 || partition >= partitions()) {
            LOG.warnf(
                    "request %s names reply partition %d, which %s does not have: no reply",
                    reply.requestId(), partition, Topics.PREDICT_REPLIES);
            return;
        }
        ProducerRecord<String, byte[]> record =
                new ProducerRecord<>(Topics.PREDICT_REPLIES, partition, reply.requestId(), PredictWire.encode(reply));
        header(record, Topics.HEADER_REQUEST_ID, prediction.requestIdHeader());
        header(record, Topics.HEADER_TRACEPARENT, prediction.traceparent());
        p.send(record, (metadata, error) -> {
            if (error != null) {
                // the gateway answers 504 at its deadline
                LOG.debugf("the reply to %s was not sent: %s", reply.requestId(), error.getMessage());
            }
        });
    }

    private int partitions() {
        int known = partitions;
        if (known > 0) {
            return known;
        }
        Producer<String, byte[]> p = producer;
        if (p == null) {
            return 0;
        }
        try {
            List<PartitionInfo> infos = p.partitionsFor(Topics.PREDICT_REPLIES);
            partitions = infos == null ? 0 : infos.size();
        } catch (RuntimeException e) {
            LOG.warnf("the partitions of %s are not known yet: %s", Topics.PREDICT_REPLIES, e.toString());
        }
        return partitions;
    }

    private static void header(ProducerRecord<String, byte[]> record, String name, String value) {
        if (value != null) {
            record.headers().add(name, value.getBytes(StandardCharsets.UTF_8));
        }
    }

    @PreDestroy
    public synchronized void close() {
        Producer<String, byte[]> p = producer;
        producer = null;
        if (p != null) {
            p.close(Duration.ofSeconds(5));
        }
    }
}
