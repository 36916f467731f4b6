package io.aiaas.worker.health;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

/** A hung prediction intake is noticed; a worker without predictions never is DOWN for it. */
class PredictLivenessTest {
    private static final Duration STALL_AFTER = Duration.ofSeconds(90);

    @Test
    void downWhenThePredictionIntakeHasNotPolledForTooLong() {
        Instant now = Instant.now();
        assertEquals(
                HealthCheckResponse.Status.UP,
                new PredictLiveness(true, () -> now.minusSeconds(1), STALL_AFTER)
                        .call()
                        .getStatus());
        assertEquals(
                HealthCheckResponse.Status.DOWN,
                new PredictLiveness(true, () -> now.minusSeconds(91), STALL_AFTER)
                        .call()
                        .getStatus());
    }

    @Test
    void upWhenPredictionsAreOff() {
        assertEquals(
                HealthCheckResponse.Status.UP,
                new PredictLiveness(false, () -> Instant.EPOCH, STALL_AFTER)
                        .call()
                        .getStatus());
    }
}
