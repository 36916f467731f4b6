package io.aiaas.worker.messaging;

import static io.aiaas.worker.messaging.JobTopics.awaitTrue;
import static io.aiaas.worker.messaging.JobTopics.dispatch;
import static io.aiaas.worker.messaging.JobTopics.jobEvents;
import static io.aiaas.worker.messaging.JobTopics.pollFor;
import static io.aiaas.worker.messaging.JobTopics.recordsOf;
import static io.aiaas.worker.messaging.JobTopics.statuses;
import static io.aiaas.worker.messaging.JobTopics.usageEvents;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.events.JobRequest;
import io.aiaas.common.events.Topics;
import io.aiaas.common.json.Json;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.worker.config.WorkerIdentity;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The job protocol on one worker, against real Kafka and TensorFlow and a stand-in model-service: many jobs in flight,
 * the intake pausing and committing contiguous offsets, heartbeats, cancellation, lost leases, releases and timeouts.
 * The worker runs with 2 inference threads, 2 waiting places, {@code max.poll.interval.ms} of 3 s and heartbeats every
 * 300 ms (see {@link FakeModelService#start()}).
 */
@QuarkusTest
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = @ResourceArg(name = InfraTestResource.KAFKA, value = "true"))
@QuarkusTestResource(FakeModelService.class)
class JobEngineTest {

    @Inject
    WorkerIdentity identity;

    @Inject
    JobIntake intake;

    @BeforeAll
    static void setUp() throws Exception {
        JobTopics.setUp();
    }

    private static FakeModelService modelService() {
        return FakeModelService.instance;
    }

    @Test
    void aJobLongerThanMaxPollIntervalFinishesOnceWhileOthersRunBesideIt() throws Exception {
        JobRequest warmUp = JobTopics.job("mdl_dense");
        dispatch(warmUp, "req_warm");
        awaitTrue(() -> statuses(warmUp.jobId()).contains("succeeded"));
        // Its artifact is unavailable for 4 s (longer than max.poll.interval.ms, 3 s; shorter than the 8 s the worker
        // retries for): the job waits, claimed, retrying.
        modelService().outage("mdl_slow", 1, Duration.ofSeconds(4));
        JobRequest slow = JobTopics.job("mdl_slow");
        dispatch(slow, "req_slow");
        awaitTrue(() -> !modelService().claimsOf(slow.jobId()).isEmpty());

        List<JobRequest> quick = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            JobRequest job = JobTopics.job("mdl_dense");
            quick.add(job);
            dispatch(job, "req_quick" + i);
        }
        // The quick jobs all end while the slow one still runs: several jobs in flight on one worker.
        awaitTrue(() -> quick.stream().allMatch(j -> statuses(j.jobId()).contains("succeeded")));
        assertTrue(statuses(slow.jobId()).isEmpty());
        awaitTrue(() -> statuses(slow.jobId()).contains("succeeded"));
        pollFor(Duration.ofSeconds(1));

        assertEquals(List.of("succeeded"), statuses(slow.jobId()));
        assertEquals(
                slow.jobId() + "-1-1",
                jobEvents(slow.jobId()).get(0).path("eventId").asText());
        assertEquals(1, modelService().claimsOf(slow.jobId()).size(), "claimed once, on its first attempt");
        for (JobRequest job : quick) {
            assertEquals(1, modelService().claimsOf(job.jobId()).size());
            assertEquals(1, usageEvents(job.jobId()).size());
        }
    }

    @Test
    void theIntakePausesWhileTheExecutorsAreFullAndResumesWhenTheyDrain() throws Exception {
        // 2 threads + 2 waiting places: held claims fill them, the 5th and 6th records wait in the intake.
        List<JobRequest> jobs = new ArrayList<>();
        List<CountDownLatch> holds = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            JobRequest job = JobTopics.job("mdl_dense");
            jobs.add(job);
            holds.add(modelService().holdClaims(job.jobId()));
            dispatch(job, "req_pause" + i);
        }
        awaitTrue(() -> intake.paused());
        long answered = jobs.stream()
                .filter(j -> !modelService().claimsOf(j.jobId()).isEmpty())
                .count();
        assertEquals(0, answered);
        holds.forEach(CountDownLatch::countDown);
        awaitTrue(() -> jobs.stream().allMatch(j -> statuses(j.jobId()).contains("succeeded")));
        awaitTrue(() -> !intake.paused());
        for (JobRequest job : jobs) {
            assertEquals(1, modelService().claimsOf(job.jobId()).size());
        }
    }

    @Test
    void offsetsAreCommittedOnlyUpToTheFirstUnansweredClaim() throws Exception {
        TopicPartition partition = new TopicPartition(Topics.JOBS, 0);
        try (Admin admin = JobTopics.admin()) {
            JobRequest before = JobTopics.job("mdl_dense");
            RecordMetadata beforeRecord = dispatch(before, "req_commit0", 0);
            awaitTrue(() -> JobTopics.committed(admin, partition) > beforeRecord.offset());

            JobRequest first = JobTopics.job("mdl_dense");
            JobRequest second = JobTopics.job("mdl_dense");
            CountDownLatch hold = modelService().holdClaims(first.jobId());
            RecordMetadata firstRecord = dispatch(first, "req_commit1", 0);
            // The second record comes once the first's claim is on its way (one claim call would carry both).
            awaitTrue(() -> modelService().claimRequested.contains(first.jobId()));
            RecordMetadata secondRecord = dispatch(second, "req_commit2", 0);
            awaitTrue(() -> statuses(second.jobId()).contains("succeeded"));
            Thread.sleep(500); // several commit intervals
            // A worker restarting now would read again from the unclaimed record on, and nothing before it.
            assertEquals(firstRecord.offset(), JobTopics.committed(admin, partition));

            hold.countDown();
            awaitTrue(() -> JobTopics.committed(admin, partition) > secondRecord.offset());
            awaitTrue(() -> statuses(first.jobId()).contains("succeeded"));
            assertEquals(1, modelService().claimsOf(first.jobId()).size());
        }
    }

    @Test
    void theHeartbeatReportsTheWorkerItsJobsAndItsModels() throws Exception {
        // A job held in its download is running here.
        CountDownLatch gate = modelService().gate("mdl_hold", 1);
        JobRequest job = JobTopics.job("mdl_hold");
        dispatch(job, "req_beat");
        awaitTrue(() -> lastHeartbeat() != null && runningIn(lastHeartbeat()).contains(job.jobId()));
        JsonNode beat = lastHeartbeat();
        assertEquals(identity.workerId(), beat.path("workerIdInPath").asText());
        assertEquals(16, beat.path("incarnation").asText().length());
        assertEquals("cpu", beat.path("device").asText());
        assertFalse(beat.path("deviceName").asText().isBlank());
        assertEquals("active", beat.path("status").asText());
        for (JsonNode running : beat.path("runningJobs")) {
            if (running.path("jobId").asText().equals(job.jobId())) {
                assertEquals(1, running.path("attempt").asInt());
            }
        }
        gate.countDown();
        awaitTrue(() -> statuses(job.jobId()).contains("succeeded"));
        // Once its result is committed the job is no longer reported; its model stays loaded.
        int seen = modelService().heartbeats.size();
        awaitTrue(() -> modelService().heartbeats.size() > seen + 1);
        assertFalse(runningIn(lastHeartbeat()).contains(job.jobId()));
        List<String> loaded = new ArrayList<>();
        lastHeartbeat().path("loadedModels").forEach(m -> loaded.add(m.asText()));
        assertTrue(loaded.contains("mdl_hold/1"), loaded.toString());
        // Every beat of this process carries the same incarnation.
        assertEquals(
                1,
                modelService().heartbeats.stream()
                        .map(b -> b.path("incarnation").asText())
                        .distinct()
                        .count());
    }

    @Test
    void aJobCancelledOnTheControlTopicEndsCancelledAndBilledOnce() throws Exception {
        JobRequest job = waitingOnAnOutage("mdl_cancel");
        JobTopics.send(new ProducerRecord<>(
                Topics.JOB_CONTROL,
                job.jobId(),
                Json.write(Map.of("type", "cancel", "jobId", job.jobId(), "workerId", identity.workerId()))));
        assertCancelled(job);
    }

    @Test
    void aJobCancelledInTheHeartbeatAnswerEndsCancelled() throws Exception {
        JobRequest job = waitingOnAnOutage("mdl_cancel");
        modelService().cancelOnHeartbeat.add(job.jobId());
        assertCancelled(job);
    }

    @Test
    void aLostJobStopsAndPublishesNothing() throws Exception {
        JobRequest job = waitingOnAnOutage("mdl_cancel");
        modelService().lostOnHeartbeat.add(job.jobId());
        int beats = modelService().heartbeats.size();
        // Stopped: it is no longer reported.
        awaitTrue(() -> modelService().heartbeats.size() > beats + 2
                && !runningIn(lastHeartbeat()).contains(job.jobId()));
        pollFor(Duration.ofSeconds(2));
        assertTrue(recordsOf(job.jobId()).isEmpty(), "a lost job publishes nothing");
        assertTrue(modelService().releasesOf(job.jobId()).isEmpty(), "and releases nothing");
    }

    @Test
    void aShortOutageBurnsNoAttemptAndDoesNotSpin() throws Exception {
        modelService().outage("mdl_outage", 1, Duration.ofSeconds(3));
        JobRequest job = JobTopics.job("mdl_outage");
        dispatch(job, "req_outage");
        awaitTrue(() -> statuses(job.jobId()).contains("succeeded"));
        assertEquals(1, modelService().claimsOf(job.jobId()).size());
        assertTrue(modelService().releasesOf(job.jobId()).isEmpty());
        assertEquals(
                job.jobId() + "-1-1",
                jobEvents(job.jobId()).get(0).path("eventId").asText());
        int requests = modelService().artifactRequests.get("mdl_outage/1").get();
        assertTrue(requests <= 12, "backoff, not a spin: " + requests + " downloads in a 3 s outage");
    }

    @Test
    void aLongOutageReleasesTheJobAsPlatform() throws Exception {
        modelService().outage("mdl_down", 1, Duration.ofSeconds(30));
        JobRequest job = JobTopics.job("mdl_down");
        dispatch(job, "req_down");
        awaitTrue(
                Duration.ofSeconds(20),
                () -> !modelService().releasesOf(job.jobId()).isEmpty());
        JsonNode release = modelService().releasesOf(job.jobId()).get(0).body();
        assertEquals("platform", release.path("reason").asText());
        assertEquals(1, release.path("attempt").asInt());
        assertEquals(identity.workerId(), release.path("workerId").asText());
        assertTrue(release.path("error").isMissingNode());
        pollFor(Duration.ofSeconds(1));
        assertTrue(recordsOf(job.jobId()).isEmpty(), "a released job publishes nothing");
        modelService().outage("mdl_down", 1, Duration.ZERO);
    }

    @Test
    void aModelThatDoesNotLoadReleasesTheJobAsAnError() throws Exception {
        JobRequest job = JobTopics.job("mdl_poison");
        dispatch(job, "req_poison");
        awaitTrue(() -> !modelService().releasesOf(job.jobId()).isEmpty());
        JsonNode release = modelService().releasesOf(job.jobId()).get(0).body();
        assertEquals("error", release.path("reason").asText());
        assertEquals(1, release.path("attempt").asInt());
        assertEquals("internal", release.path("error").path("type").asText());
        String detail = release.path("error").path("detail").asText();
        assertTrue(detail.contains("cannot be loaded"), detail);
        pollFor(Duration.ofSeconds(1));
        assertTrue(recordsOf(job.jobId()).isEmpty());
    }

    @Test
    void aJobOverItsMaxRuntimeFailsWithTimeout() throws Exception {
        modelService().outage("mdl_outage", 1, Duration.ofSeconds(4));
        JobRequest job = JobTopics.job("mdl_outage");
        modelService().maxRuntime(job.jobId(), 1);
        dispatch(job, "req_timeout");
        awaitTrue(() -> statuses(job.jobId()).contains("failed"));
        JsonNode failed = jobEvents(job.jobId()).get(0);
        assertEquals("timeout", failed.path("error").path("type").asText());
        assertEquals(job.jobId() + "-1-1", failed.path("eventId").asText());
        pollFor(Duration.ofSeconds(1));
        assertEquals(List.of("failed"), statuses(job.jobId()));
        assertTrue(usageEvents(job.jobId()).isEmpty());
    }

    /** A running job that waits, retrying, for its artifact (an outage): it stops at its next retry when flagged. */
    private JobRequest waitingOnAnOutage(String modelId) throws Exception {
        modelService().outage(modelId, 1, Duration.ofSeconds(20));
        JobRequest job = JobTopics.job(modelId);
        dispatch(job, "req_" + job.jobId());
        awaitTrue(() -> lastHeartbeat() != null && runningIn(lastHeartbeat()).contains(job.jobId()));
        return job;
    }

    private void assertCancelled(JobRequest job) {
        awaitTrue(
                Duration.ofSeconds(15),
                () -> statuses(job.jobId()).contains("cancelled")
                        && !usageEvents(job.jobId()).isEmpty());
        pollFor(Duration.ofSeconds(1));
        assertEquals(List.of("cancelled"), statuses(job.jobId()));
        JsonNode cancelled = jobEvents(job.jobId()).get(0);
        assertEquals(job.jobId() + "-1-1", cancelled.path("eventId").asText());
        assertEquals(0, cancelled.path("usage").path("units").asLong(), "it stopped before running");
        List<JsonNode> usage = usageEvents(job.jobId());
        assertEquals(1, usage.size(), "a cancelled job is billed once");
        assertEquals("usage-" + job.jobId(), usage.get(0).path("id").asText());
        assertTrue(modelService().releasesOf(job.jobId()).isEmpty());
    }

    private static JsonNode lastHeartbeat() {
        List<JsonNode> beats = FakeModelService.instance.heartbeats;
        return beats.isEmpty() ? null : beats.get(beats.size() - 1);
    }

    private static List<String> runningIn(JsonNode beat) {
        List<String> ids = new ArrayList<>();
        beat.path("runningJobs").forEach(j -> ids.add(j.path("jobId").asText()));
        return ids;
    }
}
