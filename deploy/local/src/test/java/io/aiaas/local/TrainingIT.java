package io.aiaas.local;

import static io.aiaas.local.ItSupport.awaitEnd;
import static io.aiaas.local.ItSupport.batch;
import static io.aiaas.local.ItSupport.job;
import static io.aiaas.local.ItSupport.newTenant;
import static io.aiaas.local.ItSupport.result;
import static io.aiaas.local.ItSupport.submit;
import static io.aiaas.local.ItSupport.uploadDataset;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.archive.SavedModelArchive;
import io.aiaas.common.json.Json;
import io.aiaas.infra.fixtures.Digits;
import io.aiaas.local.ServiceProcess.Service;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Training end to end on the packaged platform, on digits the project draws itself (10,000 to train on, 2,000 held
 * out): the seed's network and a small CNN learn them and their new versions serve a batch job over held-out digits; a worker killed mid-training leaves the
 * job to resume from its last checkpoint with the same history as a run that was never interrupted; a cancelled job
 * registers no version.
 */
@ExtendWith(SharedPlatform.class)
class TrainingIT {
    private static final int TRAIN_ROWS = 10_000;
    private static final int HELD_OUT_ROWS = 2_000;

    static PlatformRuntime platform;
    static PlatformClient api;
    static String admin;
    static Path work;
    static Path trainCsv;
    static Path heldOutCsv;
    static int[] heldOutLabels;

    @BeforeAll
    static void setUp() throws Exception {
        platform = SharedPlatform.platform();
        api = SharedPlatform.api();
        admin = SharedPlatform.adminToken();
        work = Files.createTempDirectory("it-training");
        trainCsv = work.resolve("train.csv");
        heldOutCsv = work.resolve("held-out.csv");
        Digits.writeCsv(trainCsv, TRAIN_ROWS, 1);
        Digits.writeCsv(heldOutCsv, HELD_OUT_ROWS, 2);
        heldOutLabels = labels(heldOutCsv);
    }

    @AfterAll
    static void cleanUp() {
        SavedModelArchive.deleteTree(work);
    }

    /** The label column of a CSV the generator wrote (its last cell). */
    private static int[] labels(Path csv) throws Exception {
        List<Integer> labels = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
            String header = in.readLine();
            assertTrue(header.endsWith("," + Digits.LABEL), header);
            String line;
            while ((line = in.readLine()) != null) {
                labels.add(Integer.parseInt(line.substring(line.lastIndexOf(',') + 1)));
            }
        }
        return labels.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The seed's network: 784 → dense 64 relu → dense 64 relu → dense 10 softmax, Adam, batch 32. */
    private static Map<String, Object> seedNetwork(int epochs, long seed) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put(
                "layers",
                List.of(
                        Map.of("type", "dense", "units", 64, "activation", "relu"),
                        Map.of("type", "dense", "units", 64, "activation", "relu"),
                        Map.of("type", "dense", "units", 10, "activation", "softmax")));
        spec.put("loss", "sparse_categorical_crossentropy");
        spec.put("optimizer", Map.of("type", "adam", "learningRate", 0.001));
        spec.put("epochs", epochs);
        spec.put("batchSize", 32);
        spec.put("validationSplit", 0.1);
        spec.put("seed", seed);
        spec.put("progressEverySteps", 50);
        return spec;
    }

    private static Map<String, Object> smallCnn(int epochs, long seed) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("inputShape", List.of(28, 28, 1));
        spec.put(
                "layers",
                List.of(
                        Map.of("type", "conv2d", "filters", 16, "kernelSize", 5, "activation", "relu"),
                        Map.of("type", "max_pool2d", "poolSize", 2),
                        Map.of("type", "flatten"),
                        Map.of("type", "dense", "units", 10, "activation", "softmax")));
        spec.put("loss", "sparse_categorical_crossentropy");
        spec.put("optimizer", Map.of("type", "adam", "learningRate", 0.001));
        spec.put("epochs", epochs);
        spec.put("batchSize", 32);
        spec.put("validationSplit", 0.1);
        spec.put("seed", seed);
        return spec;
    }

    private static Map<String, Object> training(String datasetId, String model, Map<String, Object> spec) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "training");
        body.put("dataset", datasetId);
        body.put("model", model);
        body.put("spec", spec);
        return body;
    }

    /** The share of held-out digits the version classifies right, through a batch job. */
    private static double heldOutAccuracy(ItSupport.Tenant t, String model, int version, String heldOut)
            throws Exception {
        String jobId = submit(api, t, batch(model, version, heldOut, 256));
        JsonNode done = awaitEnd(api, t, jobId);
        assertEquals("succeeded", done.path("status").asText(), done::toString);
        Map<Long, JsonNode> lines = result(api, t, jobId);
        assertEquals(HELD_OUT_ROWS, lines.size());
        int right = 0;
        for (int r = 0; r < HELD_OUT_ROWS; r++) {
            JsonNode outputs = lines.get((long) r);
            JsonNode probabilities = outputs.elements().next();
            assertEquals(10, probabilities.size(), outputs::toString);
            int best = 0;
            for (int c = 1; c < 10; c++) {
                if (probabilities.get(c).asDouble() > probabilities.get(best).asDouble()) {
                    best = c;
                }
            }
            right += best == heldOutLabels[r] ? 1 : 0;
        }
        return right / (double) HELD_OUT_ROWS;
    }

    /** Every event of the job's stream (it ends after the terminal status), as {@code name → data} in order. */
    private static List<Map.Entry<String, JsonNode>> events(ItSupport.Tenant t, String jobId) throws Exception {
        List<Map.Entry<String, JsonNode>> events = new ArrayList<>();
        int status = api.stream("/v1/jobs/" + jobId + "/events", t.key(), body -> {
            try (BufferedReader in = new BufferedReader(new java.io.InputStreamReader(body, StandardCharsets.UTF_8))) {
                String name = null;
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("event:")) {
                        name = line.substring(6).trim();
                    } else if (line.startsWith("data:") && name != null) {
                        events.add(Map.entry(name, Json.read(line.substring(5), JsonNode.class)));
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertEquals(200, status);
        return events;
    }

    @Test
    void theSeedNetworkLearnsTheDigitsAndItsNewVersionServesABatchJob() throws Exception {
        ItSupport.Tenant t = newTenant(api, admin, "it-train");
        String train = uploadDataset(t, api, trainCsv, false);
        String heldOut = uploadDataset(t, api, heldOutCsv, false);
        String jobId = submit(api, t, training(train, "digits", seedNetwork(5, 42)));
        JsonNode done = awaitEnd(api, t, jobId);
        assertEquals("succeeded", done.path("status").asText(), done::toString);
        JsonNode result = done.path("result");
        assertEquals("digits", result.path("model").asText(), done::toString);
        assertEquals(1, result.path("version").asInt(), "the model was created with its first version");
        assertEquals(5, result.path("history").size(), "one history entry per epoch: " + result);
        for (JsonNode epoch : result.path("history")) {
            for (String metric : List.of("loss", "accuracy", "valLoss", "valAccuracy")) {
                assertTrue(epoch.path(metric).isNumber(), metric + " in " + epoch);
            }
        }
        assertTrue(done.path("usage").path("examples").asLong() > 0, done::toString);

        // the stream showed live progress: steps within epochs, and every epoch's end with validation metrics
        List<Map.Entry<String, JsonNode>> events = events(t, jobId);
        List<JsonNode> progress = events.stream()
                .filter(e -> e.getKey().equals("progress"))
                .map(Map.Entry::getValue)
                .toList();
        for (int epoch = 1; epoch <= 5; epoch++) {
            int e = epoch;
            assertTrue(
                    progress.stream().anyMatch(p -> p.path("epoch").asInt() == e && p.has("valAccuracy")),
                    "epoch " + e + "'s end in " + progress);
        }
        assertTrue(progress.size() > 5, "progress within epochs too: " + progress.size());

        double accuracy = heldOutAccuracy(t, "digits", 1, heldOut);
        assertTrue(accuracy >= 0.97, "held-out accuracy " + accuracy);
    }

    @Test
    void aSmallCnnLearnsTheDigits() throws Exception {
        ItSupport.Tenant t = newTenant(api, admin, "it-cnn");
        String train = uploadDataset(t, api, trainCsv, false);
        String heldOut = uploadDataset(t, api, heldOutCsv, false);
        String jobId = submit(api, t, training(train, "digits-cnn", smallCnn(8, 7)));
        JsonNode done = awaitEnd(api, t, jobId);
        assertEquals("succeeded", done.path("status").asText(), done::toString);
        double accuracy = heldOutAccuracy(
                t, "digits-cnn", done.path("result").path("version").asInt(), heldOut);
        assertTrue(accuracy >= 0.98, "held-out accuracy " + accuracy);
    }

    @Test
    void aWorkerKilledInEpochThreeResumesFromTheCheckpointWithTheHistoryOfAnUninterruptedRun() throws Exception {
        ItSupport.Tenant t = newTenant(api, admin, "it-resume");
        String train = uploadDataset(t, api, trainCsv, false);
        // the small CNN: its epochs last long enough to kill the worker inside the third
        String straight = submit(api, t, training(train, "straight", smallCnn(5, 99)));
        JsonNode reference = awaitEnd(api, t, straight);
        assertEquals("succeeded", reference.path("status").asText(), reference::toString);

        platform.stopService(Service.WORKER);
        ServiceProcess doomed = null;
        try {
            doomed = platform.startReplica(Service.WORKER);
            String jobId = submit(api, t, training(train, "resumed", smallCnn(5, 99)));
            Instant deadline = Instant.now().plus(ItSupport.JOB_TIMEOUT);
            while (job(api, t, jobId).path("progress").path("epoch").asInt() < 3) {
                assertTrue(Instant.now().isBefore(deadline), "epoch 3 never began");
                Thread.sleep(20);
            }
            doomed.kill();
            platform.startService(Service.WORKER, true);
            JsonNode done = awaitEnd(api, t, jobId);
            assertEquals("succeeded", done.path("status").asText(), done::toString);
            JsonNode history = done.path("result").path("history");
            assertEquals(5, history.size(), "each epoch once: " + history);
            assertEquals(reference.path("result").path("history"), history, "the same history as uninterrupted");
            assertEquals(
                    reference.path("usage").path("examples"), done.path("usage").path("examples"), "billed once");
            // it resumed at epoch 3: once epoch 3 had begun, no progress of epochs 1 or 2 came again
            int highest = 0;
            for (Map.Entry<String, JsonNode> event : events(t, jobId)) {
                if (event.getKey().equals("progress")) {
                    int epoch = event.getValue().path("epoch").asInt();
                    assertTrue(epoch >= Math.min(highest, 3), "epoch " + epoch + " after epoch " + highest);
                    highest = Math.max(highest, epoch);
                }
            }
            assertEquals(5, highest);
        } finally {
            if (doomed != null && doomed.isAlive()) {
                doomed.close();
            }
            ServiceProcess shared = platform.service(Service.WORKER);
            if (shared == null || !shared.isAlive()) {
                platform.startService(Service.WORKER, true);
            }
        }
    }

    @Test
    void aCancelledTrainingJobStopsWithinAStepAndRegistersNoVersion() throws Exception {
        ItSupport.Tenant t = newTenant(api, admin, "it-cancel");
        String train = uploadDataset(t, api, trainCsv, false);
        String jobId = submit(api, t, training(train, "never", smallCnn(50, 3)));
        Instant deadline = Instant.now().plus(ItSupport.JOB_TIMEOUT);
        while (!job(api, t, jobId).path("progress").has("step")) {
            assertTrue(Instant.now().isBefore(deadline), "no progress");
            Thread.sleep(20);
        }
        var cancel = api.postJson("/v1/jobs/" + jobId + "/cancel", t.key(), Map.of());
        assertEquals(202, cancel.status(), cancel::toString);
        JsonNode done = awaitEnd(api, t, jobId);
        assertEquals("cancelled", done.path("status").asText(), done::toString);
        assertTrue(done.path("progress").path("epoch").asInt() < 50, done::toString);
        var model = api.get("/v1/models/never/versions", t.key());
        if (model.status() == 200) {
            assertEquals(0, model.json().path("items").size(), model::toString);
        } else if (model.status() != 404) {
            fail("unexpected " + model);
        }
    }
}
