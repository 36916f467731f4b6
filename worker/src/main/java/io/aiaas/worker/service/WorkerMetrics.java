package io.aiaas.worker.service;

import io.micrometer.core.instrument.Counter;
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

    public WorkerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.inference = Timer.builder("aiaas.worker.inference")
                .description("Wall time of model runs")
                .publishPercentileHistogram()
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
