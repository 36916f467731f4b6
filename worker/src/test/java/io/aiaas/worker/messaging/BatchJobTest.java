package io.aiaas.worker.messaging;

import static io.aiaas.worker.messaging.JobTopics.awaitTrue;
import static io.aiaas.worker.messaging.JobTopics.dispatch;
import static io.aiaas.worker.messaging.JobTopics.jobEvents;
import static io.aiaas.worker.messaging.JobTopics.pollFor;
import static io.aiaas.worker.messaging.JobTopics.statuses;
import static io.aiaas.worker.messaging.JobTopics.usageEvents;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.events.JobRequest;
import io.aiaas.common.events.JobType;
import io.aiaas.common.id.Ids;
import io.aiaas.common.json.Json;
import io.aiaas.common.oip.InferenceRequest;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.worker.testing.TestModels;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Batch inference on one worker, against real Kafka and TensorFlow and a stand-in model-service that serves the
 * dataset and stores the output parts: every row's prediction once, in order; a rerun resuming at its checkpoint; a
 * worker that lost the job publishing nothing.
 */
@QuarkusTest
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = @ResourceArg(name = InfraTestResource.KAFKA, value = "true"))
@QuarkusTestResource(FakeModelService.class)
class BatchJobTest {
    private static final int ROWS = 1000;
    /** Features a, b, c around the label column, which the run leaves out. */
    private static float[][] features;

    private static String datasetId;

    @BeforeAll
    static void setUp() throws Exception {
        JobTopics.setUp();
        Random random = new Random(7);
        features = new float[ROWS][3];
        StringBuilder csv = new StringBuilder("a,b,label,c\n");
        for (int r = 0; r < ROWS; r++) {
            for (int i = 0; i < 3; i++) {
                features[r][i] = Math.round(random.nextGaussian() * 1000) / 100f;
            }
            csv.append(features[r][0]).append(',').append(features[r][1]).append(',');
            csv.append(random.nextInt(10)).append(',').append(features[r][2]).append('\n');
        }
        datasetId = "ds_" + Ids.randomBase62(12);
        FakeModelService.instance.addDataset(datasetId, csv.toString(), "label", ROWS);
    }

    private static FakeModelService modelService() {
        return FakeModelService.instance;
    }

    private static JobRequest batchJob(int chunkRows) {
        String jobId = Ids.newId(Ids.JOB);
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("signature_name", "serving_default");
        parameters.put("chunk_rows", chunkRows);
        return new JobRequest(
                jobId,
                Ids.newId(Ids.TENANT),
                JobType.INFERENCE,
                "dense",
                "mdl_dense",
                1,
                "serving_default",
                new InferenceRequest(jobId, parameters, null, null),
                datasetId,
                null,
                3,
                "req_" + jobId,
                Instant.now());
    }

    /** The stored lines of a job, checked against y = x·W + b computed here, from row {@code first} on. */
    private static void assertOutput(String jobId, int first) {
        List<FakeModelService.Part> parts = modelService().outputOf(jobId);
        long expectedFrom = first;
        int row = first;
        float[][] expected = TestModels.dense(features, JobTopics.W, JobTopics.B);
        for (FakeModelService.Part part : parts) {
            assertEquals(expectedFrom, part.from(), "parts follow each other");
            for (String line : part.ndjson().split("\n")) {
                JsonNode json = Json.read(line, JsonNode.class);
                assertEquals(row, json.path("row").asInt(), "one line per row, in order");
                JsonNode y = json.path("outputs").path("y");
                assertEquals(2, y.size());
                for (int i = 0; i < 2; i++) {
                    assertEquals(expected[row][i], y.get(i).floatValue(), 1e-4, "row " + row + " output " + i);
                }
                row++;
            }
            assertEquals(part.to(), row, "a part holds exactly its rows");
            expectedFrom = part.to();
        }
        assertEquals(ROWS, row, "every row once");
    }

    @Test
    void everyRowIsPredictedOnceInOrderAndTheRowsAreBilled() throws Exception {
        JobRequest job = batchJob(64);
        dispatch(job, job.requestId());
        awaitTrue(() -> statuses(job.jobId()).contains("succeeded"));
        assertOutput(job.jobId(), 0);
        assertTrue(modelService().outputOf(job.jobId()).size() >= 1);
        JsonNode succeeded = jobEvents(job.jobId()).stream()
                .filter(e -> "succeeded".equals(e.path("status").asText()))
                .findFirst()
                .orElseThrow();
        assertEquals(ROWS, succeeded.path("result").path("rows").asLong());
        assertEquals(
                "/v1/jobs/" + job.jobId() + "/result",
                succeeded.path("result").path("url").asText());
        assertEquals(ROWS, succeeded.path("usage").path("examples").asLong());
        List<JsonNode> usage = usageEvents(job.jobId());
        assertEquals(1, usage.size(), "one usage event");
        assertEquals(ROWS, usage.get(0).path("data").path("examples").asLong());
    }

    @Test
    void aRerunResumesAtItsCheckpointAndBillsEveryRowOnce() throws Exception {
        JobRequest job = batchJob(50);
        modelService().checkpoints.put(job.jobId(), 320L);
        dispatch(job, job.requestId());
        awaitTrue(() -> statuses(job.jobId()).contains("succeeded"));
        assertEquals(320, modelService().outputOf(job.jobId()).get(0).from(), "the rerun starts at the checkpoint");
        assertOutput(job.jobId(), 320);
        JsonNode succeeded = jobEvents(job.jobId()).stream()
                .filter(e -> "succeeded".equals(e.path("status").asText()))
                .findFirst()
                .orElseThrow();
        assertEquals(ROWS, succeeded.path("result").path("rows").asLong(), "the result counts every row");
        List<JsonNode> usage = usageEvents(job.jobId());
        assertEquals(1, usage.size(), "one usage event");
        assertEquals(ROWS, usage.get(0).path("data").path("examples").asLong(), "the job's rows, each once");
    }

    @Test
    void aWorkerWhoseOutputIsRefusedNoLongerHoldsTheJobAndPublishesNothing() throws Exception {
        JobRequest job = batchJob(64);
        modelService().refuseOutput.add(job.jobId());
        int refusedBefore = modelService().outputsRefused.get();
        dispatch(job, job.requestId());
        awaitTrue(() -> modelService().outputsRefused.get() > refusedBefore);
        pollFor(Duration.ofMillis(1500));
        assertEquals(List.of(), statuses(job.jobId()), "no status from a worker that lost the job");
        assertEquals(List.of(), usageEvents(job.jobId()), "nothing billed");
    }
}
