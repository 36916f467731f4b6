package io.aiaas.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.json.Json;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Closed-loop job clients: each submits a job through the gateway, waits until the job is {@code succeeded} as its
 * tenant sees it ({@code GET /v1/jobs/{id}}), then submits the next. Latency runs from sending the submission to the
 * answer that shows {@code succeeded}.
 *
 * <p>To learn when to look without polling every job (which would multiply the load being measured), the generator
 * reads {@code aiaas.job-events.v1} itself: a job's terminal event prompts one {@code GET}, repeated with a short
 * backoff (1 ms doubling to 16 ms) until model-service has applied the event. Written here rather than taken from a load tool for the reason
 * {@link LoadGenerator} gives.
 */
final class JobLoad implements AutoCloseable {
    private static final Set<String> TERMINAL = Set.of("succeeded", "failed", "cancelled");
    private static final int MAX_SAMPLES = 1 << 20;

    private final Vertx vertx =
            Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    /** Job id → completed with its terminal status when its terminal event is read. */
    private final Map<String, CompletableFuture<String>> terminal = new ConcurrentHashMap<>();

    private final KafkaConsumer<String, String> consumer;
    private final Thread reader;
    private volatile boolean reading = true;

    JobLoad(String kafkaBootstrap) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "aiaas-bench-" + System.nanoTime());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        consumer = new KafkaConsumer<>(props);
        consumer.subscribe(List.of("aiaas.job-events.v1"));
        // the subscription's partitions are assigned before the first job is submitted
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (consumer.assignment().isEmpty() && System.nanoTime() < until) {
            consumer.poll(Duration.ofMillis(100));
        }
        reader = new Thread(this::read, "bench-job-events");
        reader.setDaemon(true);
        reader.start();
    }

    private void read() {
        try {
            while (reading) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(50))) {
                    try {
                        JsonNode event = Json.mapper().readTree(record.value());
                        String status = event.path("status").asText();
                        if (TERMINAL.contains(status)) {
                            terminal.computeIfAbsent(event.path("jobId").asText(), id -> new CompletableFuture<>())
                                    .complete(status);
                        }
                    } catch (Exception e) {
                        // not an event of ours to measure
                    }
                }
            }
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    /** Runs {@code clients} clients for {@code warmup} (not counted), then {@code measure}. */
    LoadGenerator.Result run(
            String gatewayUrl, String apiKey, String job, int clients, Duration warmup, Duration measure)
            throws Exception {
        URI base = URI.create(gatewayUrl);
        HttpClient http = vertx.createHttpClient(
                new HttpClientOptions()
                        .setDefaultHost(base.getHost())
                        .setDefaultPort(base.getPort())
                        .setKeepAlive(true)
                        .setTcpNoDelay(true)
                        .setConnectTimeout(5_000)
                        .setIdleTimeout(60),
                new PoolOptions().setHttp1MaxSize(clients).setMaxWaitQueueSize(clients * 4));
        Step step = new Step(http, apiKey, Buffer.buffer(job));
        long start = System.nanoTime();
        step.measureFrom = start + warmup.toNanos();
        step.measureUntil = step.measureFrom + measure.toNanos();
        Context context = vertx.getOrCreateContext();
        step.context = context;
        context.runOnContext(ignored -> {
            for (int i = 0; i < clients; i++) {
                step.submit();
            }
        });
        step.drained.get(warmup.plus(measure).plusSeconds(120).toMillis(), TimeUnit.MILLISECONDS);
        http.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        long[] kept = Arrays.copyOf(step.samples, step.kept);
        Arrays.sort(kept);
        return new LoadGenerator.Result(
                clients, step.completed, step.failed, measure.toNanos() / 1e9, kept, step.statuses);
    }

    /** One step's state; touched only on the generator's event loop. */
    private final class Step {
        final HttpClient http;
        final String authorization;
        final Buffer body;
        final long[] samples = new long[MAX_SAMPLES];
        final Map<Integer, Long> statuses = new TreeMap<>();
        final CompletableFuture<Void> drained = new CompletableFuture<>();
        Context context;
        long measureFrom;
        long measureUntil;
        int kept;
        long completed;
        long failed;
        int inFlight;

        Step(HttpClient http, String apiKey, Buffer body) {
            this.http = http;
            this.authorization = "Bearer " + apiKey;
            this.body = body;
        }

        void submit() {
            if (System.nanoTime() >= measureUntil) {
                if (inFlight == 0) {
                    drained.complete(null);
                }
                return;
            }
            inFlight++;
            long sent = System.nanoTime();
            RequestOptions options = new RequestOptions()
                    .setMethod(HttpMethod.POST)
                    .setURI("/v1/jobs")
                    .addHeader("Authorization", authorization)
                    .addHeader("Content-Type", "application/json");
            http.request(options)
                    .compose(request -> request.send(body))
                    .compose(response -> response.body().map(b -> response.statusCode() == 202 ? b : null))
                    .onComplete(answer -> {
                        String jobId = null;
                        if (answer.succeeded() && answer.result() != null) {
                            jobId = new io.vertx.core.json.JsonObject(answer.result()).getString("id");
                        }
                        if (jobId == null) {
                            end(sent, -1);
                            return;
                        }
                        String id = jobId;
                        terminal.computeIfAbsent(id, k -> new CompletableFuture<>())
                                .whenComplete((status, failure) -> context.runOnContext(v -> look(id, sent, 0)));
                    });
        }

        /** Reads the job as its tenant does until it shows a terminal status (the event may be applied later). */
        void look(String jobId, long sent, int tries) {
            RequestOptions options = new RequestOptions()
                    .setMethod(HttpMethod.GET)
                    .setURI("/v1/jobs/" + jobId)
                    .addHeader("Authorization", authorization);
            http.request(options)
                    .compose(request -> request.send())
                    .compose(response -> response.body())
                    .onComplete(answer -> {
                        String status = answer.succeeded()
                                ? new io.vertx.core.json.JsonObject(answer.result()).getString("status", "")
                                : "";
                        if (status.equals("succeeded")) {
                            terminal.remove(jobId);
                            end(sent, 200);
                        } else if (TERMINAL.contains(status) || tries > 2_000) {
                            terminal.remove(jobId);
                            end(sent, -2);
                        } else {
                            // Not applied yet: look again after 1, 2, 4, 8, then every 16 ms. A fixed 1 ms made
                            // every slow apply cost hundreds of reads, and the reads slowed the applies further.
                            long delay = 1L << Math.min(tries, 4);
                            vertx.setTimer(delay, t -> look(jobId, sent, tries + 1));
                        }
                    });
        }

        void end(long sent, int outcome) {
            long done = System.nanoTime();
            inFlight--;
            if (done >= measureFrom && done < measureUntil) {
                statuses.merge(outcome, 1L, Long::sum);
                if (outcome == 200) {
                    completed++;
                    if (kept < samples.length) {
                        samples[kept++] = done - sent;
                    }
                } else {
                    failed++;
                }
            }
            submit();
        }
    }

    @Override
    public void close() throws Exception {
        reading = false;
        reader.join(5_000);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
