package io.aiaas.worker.health;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

/** A hung worker is noticed: any of its loops stuck past the threshold makes it DOWN. */
class WorkerLivenessTest {
    private static final Duration STALL_AFTER = Duration.ofSeconds(90);

    private static HealthCheckResponse check(Instant intake, Instant heartbeat, Instant results) {
        Supplier<Instant> i = () -> intake;
        Supplier<Instant> h = () -> heartbeat;
        Supplier<Instant> r = () -> results;
        return new WorkerLiveness(i, h, r, "w1", STALL_AFTER).call();
    }

    @Test
    void upWhileEveryLoopComesRound() {
        Instant now = Instant.now();
        HealthCheckResponse response = check(now, now.minusSeconds(5), now.minusSeconds(1));
        assertEquals(HealthCheckResponse.Status.UP, response.getStatus());
    }

    @Test
    void downWhenTheIntakeHasNotPolledForTooLong() {
        Instant now = Instant.now();
        HealthCheckResponse response = check(now.minusSeconds(91), now, now);
        assertEquals(HealthCheckResponse.Status.DOWN, response.getStatus());
        assertEquals(false, response.getData().orElseThrow().get("intake"));
    }

    @Test
    void downWhenTheHeartbeatOrTheResultsThreadIsStuck() {
        Instant now = Instant.now();
        assertEquals(
                HealthCheckResponse.Status.DOWN,
                check(now, now.minusSeconds(120), now).getStatus());
        assertEquals(
                HealthCheckResponse.Status.DOWN, check(now, now, Instant.EPOCH).getStatus());
    }
}
