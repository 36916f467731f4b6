package io.aiaas.gateway.messaging;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.ProblemType;
import io.aiaas.common.events.Topics;
import io.aiaas.common.id.Ids;
import io.aiaas.common.predict.PredictReply;
import io.aiaas.common.predict.PredictRequest;
import io.aiaas.common.predict.PredictWire;
import io.aiaas.gateway.config.GatewayConfig;
import io.aiaas.messaging.Backoff;
import io.aiaas.messaging.KafkaSettings;
import io.aiaas.messaging.topic.PlatformTopics;
import io.aiaas.messaging.topic.TopicDeclarations;
import io.aiaas.messaging.trace.KafkaTracing;
import io.opentelemetry.api.OpenTelemetry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Online prediction's request and reply over Kafka. A request goes to {@code aiaas.predict-requests.v1} (key
 * {@code <modelId>/<version>}, headers {@code x-request-id} and {@code traceparent}) with the latency producer, straight
 * from the event loop; its reply comes back on this replica's reply partition of {@code aiaas.predict-replies.v1},
 * read by one consumer thread (group {@code aiaas-gateway-predict-replies}, every replica a member) that hands it to
 * whoever waits for that request id. The reply partition is the lowest one the group assigned to this replica; while
 * it has none (starting, rebalancing, more replicas than partitions) it takes no predictions.
 *
 * <p>Each request is settled exactly once: by its reply (on the consumer thread), its deadline (a Vert.x timer on the
 * request's context: 504), a failed send (503) or its caller giving up ({@link #abandon}); whichever removes it from
 * the waiting map first wins, the others find nothing. A reply nobody waits for (another replica's, or one past its
 * deadline) is dropped unread.
 *
 * <p>The consumer is written on the Kafka client directly rather than the messaging module's {@code ConsumerLoop}:
 * that loop commits offsets synchronously after every batch and makes a span per batch, a broker round trip and an
 * allocation on the path every prediction waits on. Replies need neither (a lost reply only runs into its deadline), so
 * this consumer commits in the background ({@code enable.auto.commit}) and restarts itself after failures as the loop
 * does.
 */
@Singleton
public class PredictionExchange {
    private static final Logger LOG = Logger.getLogger(PredictionExchange.class);

    /** The consumer group every gateway replica joins to split the reply partitions among themselves. */
    public static final String REPLY_GROUP = "aiaas-gateway-predict-replies";

    /** How often the request topic's metadata is touched, so a send never waits for it (the client forgets it after 5 min idle). */
    private static final long METADATA_REFRESH_NANOS = TimeUnit.SECONDS.toNanos(60);

    /** Who waits for a request's answer. */
    public interface Waiter {
        /** The worker's reply, on the reply consumer's thread: quick, never blocking. */
        void replied(PredictReply reply);

        /** No reply will come (deadline 504, send failed 503), on the request's Vert.x context. */
        void failed(ApiException problem);
    }

    /** What readiness shows. */
    public record State(
            boolean enabled,
            boolean running,
            int replyPartition,
            String assignment,
            int waiting,
            String lastFailure,
            Instant lastFailureAt,
            long restarts) {}

    private final class Pending {
        final Waiter waiter;
        final Context context;
        /** The count of this request's model version, which it is part of until settled. */
        final AtomicInteger versionInFlight;

        long timer;

        Pending(Waiter waiter, Context context, AtomicInteger versionInFlight) {
            this.waiter = waiter;
            this.context = context;
            this.versionInFlight = versionInFlight;
        }
    }

    /**
     * Predictions sent and not yet settled, per model version ({@code <modelId>/<version>}): the hint a request gives
     * workers that others for its version are on their way (see {@link PredictRequest#inFlight()}). One small entry per
     * version this replica served; not removed at zero, as a removal would race with a new send.
     */
    private final ConcurrentHashMap<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();

    private final Vertx vertx;
    private final boolean enabled;
    private final KafkaSettings settings;
    private final KafkaTracing tracing;
    private final Duration pollTimeout;
    private final int retryAfterSeconds;
    private final Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(10));
    private final String clientId =
            "aiaas-gateway-predict-" + Ids.randomBase62(6).toLowerCase(Locale.ROOT);
    private final ConcurrentHashMap<String, Pending> waiting = new ConcurrentHashMap<>();
    private final CountDownLatch stop = new CountDownLatch(1);

    private volatile KafkaProducer<String, byte[]> requests;
    private volatile KafkaConsumer<String, byte[]> replies;
    private volatile boolean stopping;
    private volatile Thread thread;
    /** -1 while this replica has no reply partition (or cannot send yet). */
    private volatile int replyPartition = -1;

    private volatile String assignment = "";
    private volatile String lastFailure;
    private volatile Instant lastFailureAt;
    private volatile int consecutiveFailures;
    private volatile long restarts;

    public PredictionExchange(
            Vertx vertx,
            GatewayConfig config,
            OpenTelemetry telemetry,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.vertx = vertx;
        this.enabled = config.predict().enabled();
        this.settings = new KafkaSettings(bootstrapServers);
        this.tracing = new KafkaTracing(telemetry);
        this.pollTimeout = config.predict().pollTimeout();
        this.retryAfterSeconds = config.retryAfterSeconds();
    }

    void start(@Observes StartupEvent event) {
        if (!enabled) {
            LOG.info(
                    "online prediction over Kafka is off (aiaas.gateway.predict.enabled=false): inference answers 503");
            return;
        }
        Thread t = new Thread(this::run, "aiaas-predict-replies");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        stop.countDown();
        KafkaConsumer<String, byte[]> c = replies;
        if (c != null) {
            c.wakeup();
        }
        Thread t = thread;
        if (t != null) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        KafkaProducer<String, byte[]> p = requests;
        if (p != null) {
            p.close(Duration.ofSeconds(2));
        }
    }

    /** The reply partition requests name, or -1 when this replica cannot take predictions now. */
    public int replyPartition() {
        return replyPartition;
    }

    /**
     * Sends {@code request} (which names {@link #replyPartition()}) and waits for its reply at most
     * {@code timeoutMillis}. Called on the request's Vert.x context (its timer and failures come back there).
     */
    public void send(PredictRequest request, long timeoutMillis, Waiter waiter) {
        Context context = vertx.getOrCreateContext();
        String requestId = request.requestId();
        AtomicInteger versionInFlight = inFlight.computeIfAbsent(request.partitionKey(), k -> new AtomicInteger());
        request = request.withInFlight(versionInFlight.incrementAndGet());
        Pending pending = new Pending(waiter, context, versionInFlight);
        pending.timer = vertx.setTimer(timeoutMillis, id -> {
            if (settle(requestId, pending)) {
                waiter.failed(deadlineExceeded(timeoutMillis));
            }
        });
        waiting.put(requestId, pending);
        RecordHeaders headers = new RecordHeaders();
        headers.add(Topics.HEADER_REQUEST_ID, requestId.getBytes(StandardCharsets.UTF_8));
        tracing.inject(headers);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(
                Topics.PREDICT_REQUESTS, null, request.partitionKey(), PredictWire.encode(request), headers);
        KafkaProducer<String, byte[]> producer = requests;
        if (producer == null) {
            abandon(requestId);
            waiter.failed(unavailable());
            return;
        }
        try {
            producer.send(record, (metadata, failure) -> {
                if (failure != null && settle(requestId, pending)) {
                    vertx.cancelTimer(pending.timer);
                    LOG.warnf("request %s: the prediction could not be sent: %s", requestId, failure.toString());
                    context.runOnContext(ignored -> waiter.failed(unavailable()));
                }
            });
        } catch (RuntimeException e) {
            // closed, or metadata unavailable within max.block.ms
            if (settle(requestId, pending)) {
                vertx.cancelTimer(pending.timer);
                LOG.warnf("request %s: the prediction could not be sent: %s", requestId, e.toString());
                waiter.failed(unavailable());
            }
        }
    }

    /** The caller went away: its reply, if one comes, is dropped (and nothing is billed). */
    public void abandon(String requestId) {
        Pending pending = settle(requestId);
        if (pending != null) {
            vertx.cancelTimer(pending.timer);
        }
    }

    /** Takes the request out of the waiting ones, once: whoever succeeds settles it. */
    private boolean settle(String requestId, Pending pending) {
        if (waiting.remove(requestId, pending)) {
            pending.versionInFlight.decrementAndGet();
            return true;
        }
        return false;
    }

    private Pending settle(String requestId) {
        Pending pending = waiting.remove(requestId);
        if (pending != null) {
            pending.versionInFlight.decrementAndGet();
        }
        return pending;
    }

    public State state() {
        Thread t = thread;
        return new State(
                enabled,
                t != null && t.isAlive() && !stopping,
                replyPartition,
                assignment,
                waiting.size(),
                lastFailure,
                lastFailureAt,
                restarts);
    }

    private ApiException unavailable() {
        return ApiException.unavailable(
                "Online prediction is unavailable for a moment; try again shortly.", retryAfterSeconds);
    }

    private ApiException deadlineExceeded(long timeoutMillis) {
        return new ApiException(
                        ProblemType.DEADLINE_EXCEEDED,
                        "No worker answered the prediction within its deadline (" + timeoutMillis + " ms).")
                .header("Retry-After", String.valueOf(retryAfterSeconds));
    }

    private void run() {
        // Declared here too (idempotent), so a gateway started first does not wait for another service to do it.
        TopicDeclarations.declareAtStartup(
                settings,
                List.of(PlatformTopics.PREDICT_REQUESTS, PlatformTopics.PREDICT_REPLIES, PlatformTopics.USAGE),
                new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30)));
        while (!stopping) {
            try {
                consume();
            } catch (WakeupException e) {
                if (!stopping) {
                    failed(e);
                }
            } catch (Exception e) {
                if (stopping) {
                    break;
                }
                failed(e);
                restarts++;
                Duration pause = backoff.after(consecutiveFailures);
                LOG.errorf("prediction replies: %s; a new consumer starts in %s", e.toString(), pause);
                try {
                    stop.await(pause.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
        LOG.info("prediction replies: consumer stopped");
    }

    private void consume() {
        if (requests == null) {
            requests = new KafkaProducer<>(settings.latencyProducer(clientId + "-requests"));
        }
        // A send on the event loop must never wait for metadata: fetch it here first (blocks this thread only).
        requests.partitionsFor(Topics.PREDICT_REQUESTS);
        long metadataTouched = System.nanoTime();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(settings.latencyConsumer(REPLY_GROUP, clientId + "-replies"))) {
            replies = consumer;
            consumer.subscribe(List.of(Topics.PREDICT_REPLIES), new Rebalance(consumer));
            while (!stopping) {
                ConsumerRecords<String, byte[]> records = consumer.poll(pollTimeout);
                for (ConsumerRecord<String, byte[]> record : records) {
                    deliver(record);
                }
                consecutiveFailures = 0;
                if (System.nanoTime() - metadataTouched > METADATA_REFRESH_NANOS) {
                    requests.partitionsFor(Topics.PREDICT_REQUESTS);
                    metadataTouched = System.nanoTime();
                }
            }
        } finally {
            replies = null;
            replyPartition = -1;
            assignment = "";
        }
    }

    private void deliver(ConsumerRecord<String, byte[]> record) {
        String requestId = record.key();
        Pending pending = requestId == null ? null : settle(requestId);
        if (pending == null) {
            return;
        }
        vertx.cancelTimer(pending.timer);
        PredictReply reply;
        try {
            reply = PredictWire.decodeReply(record.value());
        } catch (PredictWire.MalformedRecordException e) {
            LOG.errorf(
                    "request %s: unreadable reply at %s-%d offset %d: %s",
                    requestId, record.topic(), record.partition(), record.offset(), e.getMessage());
            pending.context.runOnContext(ignored -> pending.waiter.failed(unavailable()));
            return;
        }
        try {
            pending.waiter.replied(reply);
        } catch (RuntimeException e) {
            LOG.errorf(e, "request %s: handling the reply failed", requestId);
            pending.context.runOnContext(ignored -> pending.waiter.failed(unavailable()));
        }
    }

    private void failed(Exception e) {
        consecutiveFailures++;
        lastFailure = e.getClass().getSimpleName();
        lastFailureAt = Instant.now();
    }

    /** Keeps {@link #replyPartition} the lowest assigned partition, resolved before requests may name it. */
    private final class Rebalance implements ConsumerRebalanceListener {
        private final KafkaConsumer<String, byte[]> consumer;

        Rebalance(KafkaConsumer<String, byte[]> consumer) {
            this.consumer = consumer;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            update(consumer.assignment());
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            update(consumer.assignment().stream()
                    .filter(p -> !partitions.contains(p))
                    .toList());
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            update(List.of());
        }

        private void update(Collection<TopicPartition> assigned) {
            TopicPartition lowest = null;
            for (TopicPartition p : assigned) {
                if (lowest == null || p.partition() < lowest.partition()) {
                    lowest = p;
                }
            }
            if (lowest != null) {
                // Where reading starts is settled now, so no reply to a request sent from here on can be skipped.
                consumer.position(lowest);
            }
            int previous = replyPartition;
            replyPartition = lowest == null ? -1 : lowest.partition();
            assignment = String.join(
                    ",",
                    assigned.stream()
                            .map(TopicPartition::partition)
                            .sorted()
                            .map(String::valueOf)
                            .toList());
            if (previous != replyPartition) {
                LOG.infof("prediction replies: reply partition %d (assigned: %s)", replyPartition, assignment);
            }
        }
    }
}
