package io.aiaas.worker.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.events.JobRequest;
import io.aiaas.common.events.JobType;
import io.aiaas.common.events.JobUsage;
import io.aiaas.common.events.Topics;
import io.aiaas.common.events.UsageData;
import io.aiaas.common.json.Json;
import io.aiaas.messaging.Backoff;
import io.aiaas.worker.service.JobOutcome;
import io.aiaas.worker.service.JobResult;
import io.aiaas.worker.service.RunningJob;
import io.aiaas.worker.service.RunningJobs;
import io.aiaas.worker.service.WorkerMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The results publisher alone, on Kafka's mock producer: what goes into each transaction. */
class ResultsPublisherTest {
    private final RunningJobs running = new RunningJobs();
    private final Deque<MockProducer<String, String>> producers = new ArrayDeque<>();
    private final List<MockProducer<String, String>> made = new java.util.ArrayList<>();

    private ResultsPublisher publisher() {
        return new ResultsPublisher(
                () -> {
                    MockProducer<String, String> p = producers.isEmpty() ? producer() : producers.removeFirst();
                    made.add(p);
                    return p;
                },
                running,
                new WorkerMetrics(new SimpleMeterRegistry()),
                500,
                new Backoff(Duration.ofMillis(10), Duration.ofMillis(50)));
    }

    private static MockProducer<String, String> producer() {
        return new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
    }

    @Test
    void severalJobsResultsAndUsageAreCommittedInOneTransaction() throws Exception {
        ResultsPublisher publisher = publisher();
        RunningJob a = held("job_a");
        RunningJob b = held("job_b");
        RunningJob c = held("job_c");
        publisher.publish(JobResult.of(a, succeeded(a), "w1", Instant.now()));
        publisher.publish(JobResult.of(b, JobOutcome.failed("unprocessable", "bad shape"), "w1", Instant.now()));
        publisher.publish(JobResult.of(c, succeeded(c), "w1", Instant.now()));
        publisher.start();
        awaitEmpty();
        publisher.stop(Duration.ofSeconds(5));

        MockProducer<String, String> producer = made.get(0);
        assertEquals(1, producer.commitCount(), "three jobs, one transaction");
        List<ProducerRecord<String, String>> records = producer.history();
        assertEquals(5, records.size(), "three terminal events, usage for the two that succeeded");
        assertEquals(
                List.of("job_a-1-1", "job_b-1-1", "job_c-1-1"),
                records.stream()
                        .filter(r -> r.topic().equals(Topics.JOB_EVENTS))
                        .map(r -> Json.read(r.value(), JsonNode.class)
                                .path("eventId")
                                .asText())
                        .toList());
        assertEquals(
                List.of("usage-job_a", "usage-job_c"),
                records.stream()
                        .filter(r -> r.topic().equals(Topics.USAGE))
                        .map(r ->
                                Json.read(r.value(), JsonNode.class).path("id").asText())
                        .toList());
        assertEquals(
                "req_job_a",
                new String(records.get(0)
                        .headers()
                        .lastHeader(Topics.HEADER_REQUEST_ID)
                        .value()));
    }

    @Test
    void aFencedProducerIsReplacedAndTheResultsCommittedByTheNewOne() throws Exception {
        MockProducer<String, String> fenced = producer();
        fenced.commitTransactionException = new ProducerFencedException("another producer took over");
        producers.add(fenced);
        ResultsPublisher publisher = publisher();
        RunningJob a = held("job_f");
        publisher.publish(JobResult.of(a, succeeded(a), "w1", Instant.now()));
        publisher.start();
        awaitEmpty();
        publisher.stop(Duration.ofSeconds(5));

        assertTrue(fenced.closed());
        assertEquals(0, fenced.commitCount());
        MockProducer<String, String> second = made.get(1);
        assertEquals(1, second.commitCount());
        assertEquals(2, second.history().size());
    }

    @Test
    void aJobLostBeforeItsResultWasCommittedPublishesNothing() throws Exception {
        ResultsPublisher publisher = publisher();
        RunningJob lost = held("job_l");
        RunningJob kept = held("job_k");
        publisher.publish(JobResult.of(lost, succeeded(lost), "w1", Instant.now()));
        publisher.publish(JobResult.of(kept, succeeded(kept), "w1", Instant.now()));
        lost.lose();
        publisher.start();
        awaitEmpty();
        publisher.stop(Duration.ofSeconds(5));

        List<ProducerRecord<String, String>> records = made.get(0).history();
        assertEquals(2, records.size());
        assertTrue(records.stream().allMatch(r -> r.value().contains("job_k")));
    }

    private RunningJob held(String jobId) {
        JobRequest job = new JobRequest(
                jobId,
                "ten_1",
                JobType.INFERENCE,
                "dense",
                "mdl_1",
                1,
                null,
                null,
                null,
                null,
                3,
                "req_" + jobId,
                null);
        RunningJob held = new RunningJob(job, 1, Instant.now(), null, Map.of(Topics.HEADER_REQUEST_ID, "req_" + jobId));
        running.add(held);
        return held;
    }

    private static JobOutcome succeeded(RunningJob job) {
        return new JobOutcome.Succeeded(
                Json.mapper().createObjectNode().put("ok", true),
                new JobUsage(5, 1, 1, "cpu"),
                new UsageData("ten_1", job.jobId(), "req_" + job.jobId(), "dense", 1, "cpu", 1, 5, 1));
    }

    private void awaitEmpty() throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!running.isEmpty() && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertTrue(running.isEmpty(), "every result committed");
    }
}
