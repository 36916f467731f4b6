package io.aiaas.worker.messaging;

import static io.aiaas.worker.messaging.PredictTopics.awaitReplies;
import static io.aiaas.worker.messaging.PredictTopics.awaitReply;
import static io.aiaas.worker.messaging.PredictTopics.request;
import static io.aiaas.worker.messaging.PredictTopics.send;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.events.ModelEvent;
import io.aiaas.common.events.Topics;
import io.aiaas.common.oip.Datatype;
import io.aiaas.common.predict.OutputTensor;
import io.aiaas.common.predict.PredictReply;
import io.aiaas.common.predict.PredictRequest;
import io.aiaas.infra.fixtures.DenseSavedModel;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.worker.inference.ModelCache;
import io.aiaas.worker.service.OnlinePredictor;
import io.aiaas.worker.testing.TestModels;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Online predictions through one worker, against real Kafka and TensorFlow and a stand-in model-service serving the
 * artifacts: requests produced as a gateway does, replies read from the reply partition they name, every value checked
 * against y = x·W + b computed here.
 */
@QuarkusTest
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = @ResourceArg(name = InfraTestResource.KAFKA, value = "true"))
@QuarkusTestResource(FakeModelService.class)
class PredictionFlowTest {
    private static final float[][] W = JobTopics.W;
    private static final float[] B = JobTopics.B;
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Inject
    PredictIntake intake;

    @Inject
    ModelEventsReader modelEvents;

    @Inject
    OnlinePredictor predictor;

    @Inject
    ModelCache models;

    @Inject
    MeterRegistry registry;

    @BeforeAll
    static void setUp() throws Exception {
        JobTopics.setUp();
        PredictTopics.setUp();
        Path dir = Files.createTempDirectory("aiaas-worker-predict-");
        try {
            DenseSavedModel.export(dir.resolve("dense"), W, B);
            byte[] dense = TestModels.zip(dir.resolve("dense"));
            for (String modelId : List.of(
                    "mdl_pdense",
                    "mdl_pexpire",
                    "mdl_pslow",
                    "mdl_pquick",
                    "mdl_ppreload",
                    "mdl_pfirst",
                    "mdl_pdown")) {
                FakeModelService.instance.addArtifact(modelId, 1, dense);
            }
            PredictTopics.exportChecked(dir.resolve("checked"), W, B);
            FakeModelService.instance.addArtifact("mdl_pchecked", 1, TestModels.zip(dir.resolve("checked")));
        } finally {
            io.aiaas.common.archive.SavedModelArchive.deleteTree(dir);
        }
    }

    /** The intake owns every request partition (one worker) and the model-events reader reads. */
    @BeforeEach
    void awaitConsuming() {
        await(() -> intake.partitions().size() == 12 && modelEvents.state().consuming());
    }

    private double runs() {
        return registry.get("aiaas.worker.predict.runs").counter().count();
    }

    private double expired() {
        return registry.get("aiaas.worker.predict.expired").counter().count();
    }

    private static float[][] rows(Random random, int n) {
        float[][] rows = new float[n][3];
        for (float[] row : rows) {
            for (int i = 0; i < 3; i++) {
                row[i] = Math.round(random.nextGaussian() * 1000) / 100f;
            }
        }
        return rows;
    }

    private static void assertPrediction(float[][] x, PredictReply reply) {
        assertEquals(PredictReply.OK, reply.status(), reply.detail());
        assertEquals(1, reply.outputs().size());
        OutputTensor y = reply.outputs().get(0);
        assertEquals("y", y.name());
        assertEquals(Datatype.FP32, y.datatype());
        assertArrayEquals(new long[] {x.length, 2}, y.shape());
        float[][] expected = TestModels.dense(x, W, B);
        float[] values = (float[]) y.values();
        for (int r = 0; r < x.length; r++) {
            for (int o = 0; o < 2; o++) {
                assertEquals(expected[r][o], values[r * 2 + o], 1e-4, "row " + r + " output " + o);
            }
        }
        assertEquals("cpu", reply.device());
        assertEquals("worker-test-1", reply.workerId());
    }

    /** The model is loaded by a first request, so what follows measures batching alone. */
    private static void warm(String modelId) {
        float[][] x = {{1, 2, 3}};
        assertPrediction(x, awaitReply(sendNow(request(modelId, DEADLINE, x)), WAIT));
    }

    private static PredictRequest sendNow(PredictRequest request) {
        send(request);
        PredictTopics.flush();
        return request;
    }

    @Test
    void sixtyFourRowsProducedAtOnceAreAnsweredRightInAtMostSixteenRuns() {
        warm("mdl_pdense");
        Random random = new Random(11);
        List<float[][]> inputs = new ArrayList<>();
        List<PredictRequest> requests = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            float[][] x = rows(random, 1);
            inputs.add(x);
            requests.add(request("mdl_pdense", DEADLINE, x));
        }
        double before = runs();
        requests.forEach(PredictTopics::send);
        PredictTopics.flush();

        List<PredictReply> replies = awaitReplies(requests, WAIT);
        for (int i = 0; i < 64; i++) {
            assertEquals(requests.get(i).requestId(), replies.get(i).requestId());
            assertPrediction(inputs.get(i), replies.get(i));
        }
        double used = runs() - before;
        assertTrue(used >= 1 && used <= 16, "64 requests in " + used + " runs");
        assertTrue(replies.stream().anyMatch(r -> r.batchRequests() > 1), "requests were batched");
        assertTrue(replies.stream().mapToLong(PredictReply::computeMicros).sum() > 0, "compute is accounted");

        ConsumerRecord<String, byte[]> record =
                PredictTopics.replyRecord(requests.get(0).requestId());
        assertEquals(PredictTopics.REPLY_PARTITION, record.partition());
        assertEquals(requests.get(0).requestId(), record.key());
        assertEquals(requests.get(0).requestId(), JobTopics.header(record, Topics.HEADER_REQUEST_ID));
        assertEquals(JobTopics.TRACEPARENT, JobTopics.header(record, Topics.HEADER_TRACEPARENT));
    }

    @Test
    void aRequestTheModelRefusesFailsAloneAndTheOthersOfItsBatchSucceed() {
        // Held at the stand-in until every request waits for the model: they are served as one batch.
        CountDownLatch gate = FakeModelService.instance.gate("mdl_pchecked", 1);
        Random random = new Random(5);
        List<float[][]> good = new ArrayList<>();
        List<PredictRequest> requests = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            float[][] x = rows(random, i == 2 ? 3 : 1);
            good.add(x);
            requests.add(request("mdl_pchecked", DEADLINE, x));
        }
        PredictRequest nan = request("mdl_pchecked", DEADLINE, new float[][] {{1, Float.NaN, 3}});
        PredictRequest wide = request("mdl_pchecked", DEADLINE, new float[][] {{1, 2, 3, 4}});
        requests.add(3, nan);
        requests.add(wide);
        requests.forEach(PredictTopics::send);
        PredictTopics.flush();
        await(() -> predictor.queued() >= 7);
        double before = runs();
        gate.countDown();

        List<PredictReply> replies = awaitReplies(requests, WAIT);
        PredictReply refused = replies.get(3);
        assertEquals(400, refused.status());
        assertTrue(refused.detail().startsWith("The model refused the input"), refused.detail());
        assertTrue(refused.outputs().isEmpty());
        PredictReply misfit = replies.get(6);
        assertEquals(400, misfit.status());
        assertTrue(misfit.detail().contains("shape [1, 4]"), misfit.detail());
        List<PredictReply> rest = new ArrayList<>(replies.subList(0, 3));
        rest.addAll(replies.subList(4, 6));
        for (int i = 0; i < 5; i++) {
            assertPrediction(good.get(i), rest.get(i));
        }
        // one run of the six that fit the signature, refused; then each of them alone
        assertEquals(7, runs() - before, 1e-9);
    }

    @Test
    void aRequestPastItsDeadlineIsNotRun() {
        warm("mdl_pdense");
        double runsBefore = runs();
        double expiredBefore = expired();
        PredictRequest late = request("mdl_pdense", Duration.ofMillis(-1), new float[][] {{1, 2, 3}});
        PredictRequest onTime = request("mdl_pdense", DEADLINE, new float[][] {{4, 5, 6}});
        send(late);
        sendNow(onTime);
        assertPrediction(new float[][] {{4, 5, 6}}, awaitReply(onTime, WAIT));
        PredictTopics.poll(Duration.ofMillis(300));
        assertNull(PredictTopics.reply(late.requestId()), "no reply: the gateway has answered 504 already");
        assertEquals(1, runs() - runsBefore, 1e-9);
        assertEquals(1, expired() - expiredBefore, 1e-9);
    }

    @Test
    void aRequestWhoseDeadlinePassesWhileItsModelLoadsIsNotRun() throws Exception {
        CountDownLatch gate = FakeModelService.instance.gate("mdl_pexpire", 1);
        // long enough to be taken in before it expires, on a cold client too
        PredictRequest shortLived = request("mdl_pexpire", Duration.ofMillis(1500), new float[][] {{1, 2, 3}});
        PredictRequest patient = request("mdl_pexpire", DEADLINE, new float[][] {{3, 2, 1}});
        send(shortLived);
        sendNow(patient);
        await(() -> predictor.queued() >= 2);
        long left = shortLived.deadlineEpochMillis() - System.currentTimeMillis();
        Thread.sleep(Math.max(0, left) + 100);
        double before = runs();
        gate.countDown();
        PredictReply reply = awaitReply(patient, WAIT);
        assertPrediction(new float[][] {{3, 2, 1}}, reply);
        assertEquals(1, reply.batchRequests(), "the expired request did not run with it");
        PredictTopics.poll(Duration.ofMillis(300));
        assertNull(PredictTopics.reply(shortLived.requestId()));
        assertEquals(1, runs() - before, 1e-9);
    }

    @Test
    void anotherModelIsServedWhileASlowModelLoads() {
        CountDownLatch gate = FakeModelService.instance.gate("mdl_pslow", 1);
        try {
            PredictRequest slow = sendNow(request("mdl_pslow", DEADLINE, new float[][] {{1, 1, 1}}));
            await(() -> downloads("mdl_pslow") > 0);
            float[][] x = {{2, 0, -1}};
            PredictReply quick = awaitReply(sendNow(request("mdl_pquick", DEADLINE, x)), WAIT);
            assertPrediction(x, quick);
            assertNull(PredictTopics.reply(slow.requestId()), "the slow model is still loading");
            gate.countDown();
            assertPrediction(new float[][] {{1, 1, 1}}, awaitReply(slow, WAIT));
        } finally {
            gate.countDown();
        }
    }

    @Test
    void aVersionWhoseArtifactIsGoneIsA404AndAnOutageA503() {
        PredictReply gone = awaitReply(sendNow(request("mdl_pgone", DEADLINE, new float[][] {{1, 2, 3}})), WAIT);
        assertEquals(404, gone.status());
        assertTrue(gone.detail().contains("not available"), gone.detail());

        FakeModelService.instance.outage("mdl_pdown", 1, Duration.ofSeconds(30));
        PredictReply down = awaitReply(sendNow(request("mdl_pdown", DEADLINE, new float[][] {{1, 2, 3}})), WAIT);
        assertEquals(503, down.status());
    }

    @Test
    void anUnreadableRecordIsSkipped() {
        warm("mdl_pdense");
        PredictRequest next = request("mdl_pdense", DEADLINE, new float[][] {{0, 0, 1}});
        // same key, so the same partition: the garbage comes first
        PredictTopics.sendRaw(next.partitionKey(), "not a prediction".getBytes(StandardCharsets.UTF_8), "req_garbage");
        sendNow(next);
        assertPrediction(new float[][] {{0, 0, 1}}, awaitReply(next, WAIT));
    }

    @Test
    void aNewVersionIsPreloadedAndADeletedOneEvicted() throws Exception {
        PredictTopics.publish(PredictTopics.versionEvent(ModelEvent.VERSION_CREATED, "mdl_ppreload", 1));
        await(() -> models.loadedModels().contains("mdl_ppreload/1"));
        assertEquals(1, downloads("mdl_ppreload"), "loaded before any request");

        float[][] x = {{1, 0, 0}};
        assertPrediction(x, awaitReply(sendNow(request("mdl_ppreload", DEADLINE, x)), WAIT));
        assertEquals(1, downloads("mdl_ppreload"), "the prediction used the preloaded model");

        PredictTopics.publish(PredictTopics.versionEvent(ModelEvent.VERSION_DELETED, "mdl_ppreload", 1));
        await(() -> !models.loadedModels().contains("mdl_ppreload/1"));
    }

    @Test
    void uploadToFirstPredictionTakesAtMostOneSecond() throws Exception {
        long start = System.nanoTime();
        // what model-service's outbox publishes once the upload committed, then the tenant's first call
        PredictTopics.publish(PredictTopics.versionEvent(ModelEvent.VERSION_CREATED, "mdl_pfirst", 1));
        float[][] x = {{0, 1, 0}};
        PredictReply reply = awaitReply(sendNow(request("mdl_pfirst", DEADLINE, x)), WAIT);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertPrediction(x, reply);
        assertEquals(1, downloads("mdl_pfirst"), "one load, shared by the preload and the request");
        assertTrue(millis <= 1000, "upload to first prediction took " + millis + " ms");

        PredictTopics.publish(PredictTopics.versionEvent(ModelEvent.MODEL_DELETED, "mdl_pfirst", 1));
        await(() -> !models.loadedModels().contains("mdl_pfirst/1"));
        assertFalse(models.loadedModels().contains("mdl_pfirst/1"));
    }

    @Test
    void metricsAndReadinessShowPredictions() throws Exception {
        warm("mdl_pdense");
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        String metrics = http.send(
                        java.net.http.HttpRequest.newBuilder(metricsUrl.toURI()).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
        for (String name : List.of(
                "aiaas_worker_predict_runs_total",
                "aiaas_worker_predict_batch_requests_count",
                "aiaas_worker_predict_latency_seconds_count",
                "aiaas_worker_predict_replies_total{status=\"200\"}")) {
            assertTrue(metrics.contains(name), name + " in " + metrics);
        }
        String ready = http.send(
                        java.net.http.HttpRequest.newBuilder(healthReady.toURI())
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
        assertTrue(ready.contains("\"name\": \"predictions\""), ready);
        assertTrue(ready.contains("\"requestPartitions\": \"0,1,2,3,4,5,6,7,8,9,10,11\""), ready);
    }

    @io.quarkus.test.common.http.TestHTTPResource("/q/metrics")
    java.net.URL metricsUrl;

    @io.quarkus.test.common.http.TestHTTPResource("/q/health/ready")
    java.net.URL healthReady;

    private static int downloads(String modelId) {
        AtomicInteger n = FakeModelService.instance.artifactRequests.get(modelId + "/1");
        return n == null ? 0 : n.get();
    }

    private static void await(java.util.function.BooleanSupplier condition) {
        long until = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("condition not met within " + WAIT);
            }
            PredictTopics.poll(Duration.ofMillis(20));
        }
    }
}
