package io.aiaas.worker.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.util.function.Supplier;

/** The worker's meters, exported at {@code /q/metrics}. */
@Singleton
public class WorkerMetrics {
    private final MeterRegistry registry;
    private final Timer inference;
    private final Counter predictRuns;
    private final DistributionSummary predictBatch;
    private final Timer predictLatency;
    private final Counter predictExpired;
    /** By status: a reply is on the hot path, a registry look-up per reply is not needed. */
    private final java.util.Map<Integer, Counter> predictReplies = new java.util.concurrent.ConcurrentHashMap<>();

    public WorkerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.inference = Timer.builder("aiaas.worker.inference")
                .description("Wall time of model runs")
                .publishPercentileHistogram()
                .register(registry);
        this.predictRuns = Counter.builder("aiaas.worker.predict.runs")
                .description("TensorFlow runs for online predictions (a batch of requests is one run)")
                .register(registry);
        this.predictBatch = DistributionSummary.builder("aiaas.worker.predict.batch.requests")
                .description("Online prediction requests served per TensorFlow run")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        this.predictLatency = Timer.builder("aiaas.worker.predict.latency")
                .description("Online predictions from the poll that took them in to the reply handed to Kafka")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        this.predictExpired = Counter.builder("aiaas.worker.predict.expired")
                .description("Online prediction requests dropped unrun: their deadline had passed")
                .register(registry);
    }

    /** One TensorFlow run for online predictions, serving {@code requests} requests. */
    public void predictRun(int requests) {
        predictRuns.increment();
        predictBatch.record(requests);
    }

    /** A reply to an online prediction was handed to Kafka, {@code nanos} after its request was taken in. */
    public void predictReplied(int status, long nanos) {
        predictLatency.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        predictReplies
                .computeIfAbsent(status, s -> Counter.builder("aiaas.worker.predict.replies")
                        .description("Replies to online predictions, by status")
                        .tag("status", Integer.toString(s))
                        .register(registry))
                .increment();
    }

    public void predictExpired() {
        predictExpired.increment();
    }

    /** Online prediction requests taken in and not yet answered or dropped. */
    public void predictQueued(Supplier<Number> count) {
        Gauge.builder("aiaas.worker.predict.queued", count, s -> s.get().doubleValue())
                .description("Online prediction requests taken in and not yet answered")
                .strongReference(true)
                .register(registry);
    }

    public Timer inferenceTimer() {
        return inference;
    }

    /** A job reached a terminal status ({@code succeeded} or {@code failed}). */
    public void jobProcessed(String type, String status) {
        Counter.builder("aiaas.worker.jobs.processed")
                .description("Jobs this worker ended, by type and status")
                .tag("type", type)
                .tag("status", status)
                .register(registry)
                .increment();
    }

    /** A job ended {@code failed}, by error type. */
    public void jobFailed(String type, String errorType) {
        Counter.builder("aiaas.worker.jobs.failed")
                .description("Jobs this worker ended failed, by type and error type")
                .tag("type", type)
                .tag("error", errorType)
                .register(registry)
                .increment();
    }

    /** A job was put back to be retried (model-service or Kafka unavailable, transaction aborted). */
    public void jobRetried() {
        Counter.builder("aiaas.worker.jobs.retried")
                .description("Jobs left on Kafka to retry after a transient failure")
                .register(registry)
                .increment();
    }

    /** A model version was downloaded and loaded ({@code loaded}), or could not be ({@code failed}). */
    public void modelLoad(String outcome) {
        Counter.builder("aiaas.worker.models.loads")
                .description("Model versions this worker downloaded and loaded, by outcome")
                .tag("outcome", outcome)
                .register(registry)
                .increment();
    }

    /** The model cache evicted a model version to stay within its bounds. */
    public void modelEvicted() {
        Counter.builder("aiaas.worker.models.evicted")
                .description("Model versions evicted from the cache")
                .register(registry)
                .increment();
    }

    public void loadedModels(Supplier<Number> count) {
        // held strongly: a registry keeps only a weak reference to a gauge's source by default, and nothing else holds
        // this supplier, so the gauge would read NaN after the next garbage collection
        Gauge.builder("aiaas.worker.models.loaded", count, s -> s.get().doubleValue())
                .description("SavedModels loaded in the model cache")
                .strongReference(true)
                .register(registry);
    }
}
