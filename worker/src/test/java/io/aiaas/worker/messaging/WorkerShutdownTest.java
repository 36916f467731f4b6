package io.aiaas.worker.messaging;

import static io.aiaas.worker.messaging.JobTopics.awaitTrue;
import static io.aiaas.worker.messaging.JobTopics.dispatch;
import static io.aiaas.worker.messaging.JobTopics.recordsOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.events.JobRequest;
import io.aiaas.infra.testing.InfraTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A graceful shutdown: the worker stops taking jobs, reports {@code draining}, gives running jobs the grace period
 * (2 s here) and releases what still runs as {@code shutdown}. Its own application: draining ends the worker.
 */
@QuarkusTest
@TestProfile(WorkerShutdownTest.Draining.class)
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = @ResourceArg(name = InfraTestResource.KAFKA, value = "true"))
@QuarkusTestResource(FakeModelService.class)
class WorkerShutdownTest {

    /** Jobs wait out outages far longer than the grace period, and a worker id of its own. */
    public static class Draining implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "aiaas.worker.platform-retry.give-up-after", "60s",
                    "aiaas.worker.id", "worker-test-draining");
        }
    }

    @Inject
    WorkerLifecycle lifecycle;

    @BeforeAll
    static void setUp() throws Exception {
        JobTopics.setUp();
    }

    @Test
    void drainingReleasesWhatStillRunsAfterTheGraceAndTakesNoNewJobs() throws Exception {
        FakeModelService modelService = FakeModelService.instance;
        modelService.outage("mdl_down", 1, Duration.ofSeconds(60));
        JobRequest stuck = JobTopics.job("mdl_down");
        dispatch(stuck, "req_stuck");
        awaitTrue(() -> !modelService.claimsOf(stuck.jobId()).isEmpty());

        long started = System.nanoTime();
        lifecycle.drain();
        long tookMillis = (System.nanoTime() - started) / 1_000_000;

        assertTrue(tookMillis >= 2000, "running jobs get the grace period, took " + tookMillis);
        List<FakeModelService.Released> releases = modelService.releasesOf(stuck.jobId());
        assertEquals(1, releases.size());
        JsonNode release = releases.get(0).body();
        assertEquals("shutdown", release.path("reason").asText());
        assertEquals(1, release.path("attempt").asInt());
        assertEquals("worker-test-draining", release.path("workerId").asText());
        assertTrue(modelService.heartbeats.stream()
                .anyMatch(b -> "draining".equals(b.path("status").asText())));

        JobRequest later = JobTopics.job("mdl_dense");
        dispatch(later, "req_later");
        Thread.sleep(2000);
        assertTrue(modelService.claimsOf(later.jobId()).isEmpty(), "a drained worker takes no new job");
        assertTrue(recordsOf(stuck.jobId()).isEmpty(), "a released job publishes nothing");
    }
}
