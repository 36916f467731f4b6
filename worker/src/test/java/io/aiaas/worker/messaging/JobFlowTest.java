package io.aiaas.worker.messaging;

import static io.aiaas.worker.messaging.JobTopics.B;
import static io.aiaas.worker.messaging.JobTopics.TRACEPARENT;
import static io.aiaas.worker.messaging.JobTopics.W;
import static io.aiaas.worker.messaging.JobTopics.awaitTrue;
import static io.aiaas.worker.messaging.JobTopics.dispatch;
import static io.aiaas.worker.messaging.JobTopics.header;
import static io.aiaas.worker.messaging.JobTopics.jobEvents;
import static io.aiaas.worker.messaging.JobTopics.pollFor;
import static io.aiaas.worker.messaging.JobTopics.recordsOf;
import static io.aiaas.worker.messaging.JobTopics.statuses;
import static io.aiaas.worker.messaging.JobTopics.usageEvents;
import static io.aiaas.worker.messaging.JobTopics.usageRecords;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.events.Topics;
import io.aiaas.common.id.Ids;
import io.aiaas.common.json.Json;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.worker.config.WorkerIdentity;
import io.aiaas.worker.testing.TestModels;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The worker against real Kafka and a stand-in model-service: a job is dispatched, claimed, run, and its result and
 * usage committed together.
 */
@QuarkusTest
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = @ResourceArg(name = InfraTestResource.KAFKA, value = "true"))
@QuarkusTestResource(FakeModelService.class)
class JobFlowTest {

    @Inject
    WorkerIdentity identity;

    @BeforeAll
    static void setUp() throws Exception {
        JobTopics.setUp();
    }

    @Test
    void inferenceJobSucceedsWithOneResultAndOneUsageEvent() throws Exception {
        CountDownLatch gate = FakeModelService.instance.gate("mdl_gated", 1);
        String jobId = Ids.newId(Ids.JOB);
        String tenant = Ids.newId(Ids.TENANT);
        dispatch(JobTopics.job(jobId, tenant, "mdl_gated", "[[1,2,3],[0.5,-1,2]]", List.of(2L, 3L)), "req_flow1");

        // The claim made the job running at model-service; the worker publishes nothing until the result.
        awaitTrue(() -> !FakeModelService.instance.claimsOf(jobId).isEmpty());
        pollFor(Duration.ofSeconds(1));
        assertTrue(recordsOf(jobId).isEmpty(), "no running event, no usage before the result");
        gate.countDown();

        awaitTrue(() ->
                statuses(jobId).contains("succeeded") && !usageEvents(jobId).isEmpty());
        pollFor(Duration.ofSeconds(1));

        assertEquals(List.of("succeeded"), statuses(jobId));
        JsonNode done = jobEvents(jobId).get(0);
        assertEquals(jobId + "-1-1", done.path("eventId").asText(), "event ids are <jobId>-<attempt>-<seq>");
        assertEquals(1, done.path("attempt").asInt());
        assertEquals(identity.workerId(), done.path("workerId").asText());
        assertEquals(tenant, done.path("tenantId").asText());
        JsonNode result = done.path("result");
        assertEquals("dense", result.path("model_name").asText());
        assertEquals("1", result.path("model_version").asText());
        JsonNode y = result.path("outputs").get(0);
        assertEquals("y", y.path("name").asText());
        assertEquals("FP32", y.path("datatype").asText());
        assertEquals("[2,2]", y.path("shape").toString());
        float[][] expected = TestModels.dense(new float[][] {{1f, 2f, 3f}, {0.5f, -1f, 2f}}, W, B);
        for (int i = 0; i < 4; i++) {
            assertEquals(expected[i / 2][i % 2], y.path("data").get(i).floatValue(), 1e-5);
        }
        JsonNode usage = done.path("usage");
        assertEquals(2, usage.path("examples").asLong());
        assertEquals("cpu", usage.path("device").asText());
        long millis = usage.path("computeMillis").asLong();
        assertTrue(millis >= 1);
        assertEquals((long) Math.ceil(millis / 1000.0), usage.path("units").asLong());

        List<ConsumerRecord<String, String>> usageRecords = usageRecords(jobId);
        assertEquals(1, usageRecords.size(), "exactly one usage event");
        ConsumerRecord<String, String> usageRecord = usageRecords.get(0);
        assertEquals(tenant, usageRecord.key());
        JsonNode cloudEvent = Json.read(usageRecord.value(), JsonNode.class);
        assertEquals("1.0", cloudEvent.path("specversion").asText());
        assertEquals("usage-" + jobId, cloudEvent.path("id").asText());
        assertEquals("io.aiaas.usage.inference-job", cloudEvent.path("type").asText());
        assertEquals(tenant, cloudEvent.path("subject").asText());
        JsonNode data = cloudEvent.path("data");
        assertEquals(jobId, data.path("jobId").asText());
        assertEquals("dense", data.path("model").asText());
        assertEquals(2, data.path("examples").asLong());
        assertEquals(millis, data.path("computeMillis").asLong());
        assertEquals(usage.path("units").asLong(), data.path("units").asLong());

        for (ConsumerRecord<String, String> record : recordsOf(jobId)) {
            assertEquals("req_flow1", header(record, Topics.HEADER_REQUEST_ID));
            // The job's trace continues: same trace id, the worker's processing span as parent.
            String traceparent = header(record, Topics.HEADER_TRACEPARENT);
            assertEquals(TRACEPARENT.split("-")[1], traceparent.split("-")[1], traceparent);
            assertNotEquals(TRACEPARENT, traceparent);
        }
        FakeModelService.Claim claim = FakeModelService.instance.claimsOf(jobId).get(0);
        assertEquals(identity.workerId(), claim.workerId());
        assertEquals(identity.workerId(), claim.token().sub());
        // One claim carries jobs of many tenants: its token acts for none, and model-service checks each job.
        assertNull(claim.token().tid());
        assertEquals(0, FakeModelService.instance.unauthorized.get());
    }

    @Test
    void inputsThatDoNotFitTheModelEndFailedWithoutUsage() throws Exception {
        String jobId = Ids.newId(Ids.JOB);
        dispatch(JobTopics.job(jobId, Ids.newId(Ids.TENANT), "mdl_dense", "[1,2,3,4]", List.of(1L, 4L)), "req_flow2");

        awaitTrue(() -> statuses(jobId).contains("failed"));
        pollFor(Duration.ofSeconds(1));
        assertEquals(List.of("failed"), statuses(jobId));
        JsonNode failed = jobEvents(jobId).get(0);
        assertEquals(jobId + "-1-1", failed.path("eventId").asText());
        assertEquals("unprocessable", failed.path("error").path("type").asText());
        String detail = failed.path("error").path("detail").asText();
        assertTrue(detail.contains("shape"), detail);
        assertFalse(detail.contains("Exception") || detail.contains("\tat "), detail);
        assertTrue(failed.path("usage").isMissingNode());
        assertTrue(usageEvents(jobId).isEmpty(), "a failed job bills nothing");
    }

    @Test
    void aRefusedClaimProducesNoEventsAndItsOffsetIsCommitted() throws Exception {
        var job = JobTopics.job("mdl_dense");
        FakeModelService.instance.refused.add(job.jobId());
        RecordMetadata sent = dispatch(job, "req_flow3");

        awaitTrue(() -> !FakeModelService.instance.claimsOf(job.jobId()).isEmpty());
        TopicPartition partition = new TopicPartition(sent.topic(), sent.partition());
        try (Admin admin = JobTopics.admin()) {
            awaitTrue(() -> JobTopics.committed(admin, partition) > sent.offset());
        }
        pollFor(Duration.ofSeconds(1));
        assertTrue(recordsOf(job.jobId()).isEmpty(), "no events for a job that must not run");
        assertEquals(1, FakeModelService.instance.claimsOf(job.jobId()).size());
    }

    @Test
    void aMalformedRecordDoesNotBlockThePartition() throws Exception {
        var job = JobTopics.job("mdl_dense");
        // Same partition as the next job, the garbage first.
        RecordMetadata garbage = JobTopics.send(new ProducerRecord<>(Topics.JOBS, job.jobId(), "{not json"));
        dispatch(job, "req_flow4", garbage.partition());
        awaitTrue(() -> statuses(job.jobId()).contains("succeeded"));
    }

    @Test
    void healthAndMetricsAreServed() throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpResponse<String> live = http.send(
                java.net.http.HttpRequest.newBuilder(healthLive.toURI()).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, live.statusCode(), live.body());
        assertTrue(live.body().contains("job-loop"), live.body());
        assertTrue(live.body().contains("\"intake\": true"), live.body());
        awaitTrue(() -> {
            try {
                return http.send(
                                        java.net.http.HttpRequest.newBuilder(healthReady.toURI())
                                                .build(),
                                        java.net.http.HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200;
            } catch (Exception e) {
                return false;
            }
        });
        var job = JobTopics.job("mdl_dense");
        dispatch(job, "req_flow5");
        awaitTrue(() -> statuses(job.jobId()).contains("succeeded"));
        String metrics = http.send(
                        java.net.http.HttpRequest.newBuilder(metricsUrl.toURI()).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
        assertTrue(metrics.contains("aiaas_worker_jobs_processed_total"), metrics);
        assertTrue(metrics.contains("aiaas_worker_inference_seconds"), metrics);
        assertTrue(metrics.contains("aiaas_worker_models_loaded"), metrics);
    }

    @io.quarkus.test.common.http.TestHTTPResource("/q/health/live")
    java.net.URL healthLive;

    @io.quarkus.test.common.http.TestHTTPResource("/q/health/ready")
    java.net.URL healthReady;

    @io.quarkus.test.common.http.TestHTTPResource("/q/metrics")
    java.net.URL metricsUrl;
}
