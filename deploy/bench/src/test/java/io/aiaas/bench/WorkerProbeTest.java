package io.aiaas.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class WorkerProbeTest {
    private static final String METRICS =
            """
            # HELP aiaas_worker_models_loads_total Model versions this worker downloaded and loaded, by outcome
            # TYPE aiaas_worker_models_loads_total counter
            aiaas_worker_models_loads_total{outcome="loaded"} 12.0
            aiaas_worker_models_loads_total{outcome="failed"} 1.0
            aiaas_worker_models_loads_total_extra 99.0
            aiaas_worker_predict_batch_requests_count 40.0
            aiaas_worker_predict_batch_requests_sum 640.0
            aiaas_worker_predict_batch_requests_max 64.0
            """;

    @Test
    void sumsEverySeriesOfOneMetricOnly() {
        assertEquals(Optional.of(13.0), WorkerProbe.sum(METRICS, "aiaas_worker_models_loads_total"));
        assertEquals(Optional.of(40.0), WorkerProbe.sum(METRICS, "aiaas_worker_predict_batch_requests_count"));
        assertEquals(Optional.empty(), WorkerProbe.sum(METRICS, "aiaas_worker_models_evicted_total"));
    }
}
