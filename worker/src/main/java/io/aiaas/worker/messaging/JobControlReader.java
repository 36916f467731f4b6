package io.aiaas.worker.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.events.Topics;
import io.aiaas.messaging.Backoff;
import io.aiaas.messaging.KafkaSettings;
import io.aiaas.messaging.consumer.Batch;
import io.aiaas.messaging.consumer.BatchHandler;
import io.aiaas.messaging.consumer.ConsumerLoop;
import io.aiaas.messaging.consumer.Delivery;
import io.aiaas.messaging.consumer.RecordDecoder;
import io.aiaas.worker.config.WorkerConfig;
import io.aiaas.worker.service.RunningJobs;
import jakarta.inject.Singleton;

/**
 * Reads {@link Topics#JOB_CONTROL} as a broadcast (every partition, from its end, no group: every worker sees every
 * record) and flags the running jobs it names; a flagged job stops at its next step. The heartbeat answer's
 * {@code cancel} list covers what this reader misses (e.g. while it restarts).
 */
@Singleton
public class JobControlReader implements BatchHandler<JsonNode> {
    /** The control record's type for a cancellation. */
    static final String CANCEL = "cancel";

    // The control record is read as JSON ({"type","jobId","workerId"}): only two members matter here.
    private static final RecordDecoder<JsonNode> CONTROL = RecordDecoder.json(JsonNode.class);

    private final RunningJobs running;
    private final ConsumerLoop<JsonNode> loop;

    public JobControlReader(KafkaSettings settings, WorkerConfig config, RunningJobs running) {
        this.running = running;
        this.loop = ConsumerLoop.builder("job-control", settings, CONTROL, this)
                .topics(Topics.JOB_CONTROL)
                .broadcast()
                .pollTimeout(config.kafka().pollTimeout())
                .backoff(new Backoff(
                        config.kafka().retryBackoff(), config.kafka().retryBackoffMax()))
                .closeTimeout(java.time.Duration.ofSeconds(5))
                .build();
    }

    public void start() {
        loop.start();
    }

    public void stop() {
        loop.close();
    }

    public ConsumerLoop.State state() {
        return loop.state();
    }

    @Override
    public void handle(Batch<JsonNode> batch) {
        for (Delivery<JsonNode> delivery : batch.deliveries()) {
            JsonNode control = delivery.value();
            if (CANCEL.equals(control.path("type").asText())) {
                running.get(control.path("jobId").asText("")).ifPresent(job -> job.cancel());
            }
        }
    }
}
