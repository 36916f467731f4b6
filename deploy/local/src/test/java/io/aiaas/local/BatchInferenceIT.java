package io.aiaas.local;

import static io.aiaas.local.ItSupport.awaitEnd;
import static io.aiaas.local.ItSupport.batch;
import static io.aiaas.local.ItSupport.job;
import static io.aiaas.local.ItSupport.newTenant;
import static io.aiaas.local.ItSupport.result;
import static io.aiaas.local.ItSupport.submit;
import static io.aiaas.local.ItSupport.uploadDataset;
import static io.aiaas.local.ItSupport.uploadModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.archive.SavedModelArchive;
import io.aiaas.infra.fixtures.DenseSavedModel;
import io.aiaas.local.ServiceProcess.Service;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Datasets and batch inference end to end on the packaged platform: 100,000-row uploads, plain and gzip, through
 * processes whose heaps are smaller than the file; a batch job whose every output line is checked against values
 * computed here; progress in chunks and cancellation mid-run; a worker killed outright mid-batch, after which the job
 * succeeds once with every row exactly once.
 */
@ExtendWith(SharedPlatform.class)
class BatchInferenceIT {
    /** The slow model: 16 features → 2048 relu → 2048 relu → 4, a few hundred microseconds per row on one core. */
    private static final int SLOW_IN = 16;

    private static final int SLOW_HIDDEN = 2048;
    private static final int SLOW_ROWS = 20_000;

    static PlatformRuntime platform;
    static PlatformClient api;
    static String admin;
    static Path work;
    static List<float[][]> slowWeights;
    static List<float[]> slowBiases;
    static byte[] slowModelZip;
    static float[][] slowRows;
    static Path slowCsv;

    @BeforeAll
    static void setUp() throws Exception {
        platform = SharedPlatform.platform();
        api = SharedPlatform.api();
        admin = SharedPlatform.adminToken();
        work = Files.createTempDirectory("it-batch");
        Random random = new Random(11);
        int[] widths = {SLOW_IN, SLOW_HIDDEN, SLOW_HIDDEN, 4};
        slowWeights = new ArrayList<>();
        slowBiases = new ArrayList<>();
        for (int l = 0; l + 1 < widths.length; l++) {
            float[][] w = new float[widths[l]][widths[l + 1]];
            double scale = Math.sqrt(2.0 / widths[l]);
            for (float[] row : w) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = (float) (random.nextGaussian() * scale);
                }
            }
            float[] b = new float[widths[l + 1]];
            for (int j = 0; j < b.length; j++) {
                b[j] = (float) (random.nextGaussian() * 0.1);
            }
            slowWeights.add(w);
            slowBiases.add(b);
        }
        Path dir = work.resolve("slow");
        DenseSavedModel.exportLayers(dir, slowWeights, slowBiases, false);
        slowModelZip = Archives.zip(dir);
        SavedModelArchive.deleteTree(dir);
        slowRows = new float[SLOW_ROWS][SLOW_IN];
        slowCsv = work.resolve("slow.csv");
        writeCsv(slowCsv, SLOW_ROWS, SLOW_IN, 2, r -> {
            for (int i = 0; i < SLOW_IN; i++) {
                slowRows[r][i] = Math.round(random.nextGaussian() * 100) / 100f;
            }
            return slowRows[r];
        });
    }

    @AfterAll
    static void cleanUp() {
        SavedModelArchive.deleteTree(work);
    }

    /**
     * Writes a CSV of {@code rows} rows: the features {@code row.apply(r)} gives, and an integer label placed at
     * column {@code labelAt} (so the run must leave a middle column out).
     */
    private static void writeCsv(Path file, int rows, int features, int labelAt, IntFunction<float[]> row)
            throws IOException {
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            List<String> header = new ArrayList<>();
            for (int i = 0; i < features; i++) {
                header.add("f" + i);
            }
            header.add(labelAt, "label");
            out.write(String.join(",", header));
            out.write('\n');
            List<String> cells = new ArrayList<>();
            for (int r = 0; r < rows; r++) {
                float[] x = row.apply(r);
                cells.clear();
                for (int i = 0; i < features; i++) {
                    float v = x[i];
                    cells.add(v == Math.rint(v) ? String.valueOf((int) v) : String.valueOf(v));
                }
                cells.add(labelAt, String.valueOf(r % 10));
                out.write(String.join(",", cells));
                out.write('\n');
            }
        }
    }

    /** Waits until the job's stored rows reach {@code atLeast}; the distinct progress values seen on the way. */
    private static TreeSet<Long> awaitRows(ItSupport.Tenant t, String jobId, long atLeast) throws Exception {
        TreeSet<Long> seen = new TreeSet<>();
        Instant deadline = Instant.now().plus(ItSupport.JOB_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            JsonNode job = job(api, t, jobId);
            JsonNode rows = job.path("progress").path("rows");
            if (rows.isNumber()) {
                seen.add(rows.asLong());
                if (rows.asLong() >= atLeast) {
                    return seen;
                }
            }
            assertTrue(job.path("status").asText().matches("queued|running"), () -> "the job ended early: " + job);
            Thread.sleep(20);
        }
        return fail("job " + jobId + " did not store " + atLeast + " rows; saw " + seen);
    }

    private static float[] slowExpected(float[] x) {
        float[] a = x;
        for (int l = 0; l < slowWeights.size(); l++) {
            float[][] w = slowWeights.get(l);
            float[] b = slowBiases.get(l);
            float[] y = b.clone();
            for (int i = 0; i < a.length; i++) {
                float ai = a[i];
                if (ai == 0) {
                    continue;
                }
                float[] wi = w[i];
                for (int j = 0; j < y.length; j++) {
                    y[j] += ai * wi[j];
                }
            }
            if (l + 1 < slowWeights.size()) {
                for (int j = 0; j < y.length; j++) {
                    y[j] = Math.max(0, y[j]);
                }
            }
            a = y;
        }
        return a;
    }

    private static void assertClose(float[] want, JsonNode got, String what) {
        assertEquals(want.length, got.size(), what);
        for (int j = 0; j < want.length; j++) {
            double tolerance = 1e-4 + 1e-4 * Math.abs(want[j]);
            assertEquals(want[j], got.get(j).asDouble(), tolerance, what + " output " + j);
        }
    }

    @Test
    void aBatchJobPredictsEveryRowAsComputedHereAndItsResultIsServedAsNdjson() throws Exception {
        ItSupport.Tenant t = newTenant(api, admin, "it-batch");
        float[][] w = {{1f, 0f, 0.5f}, {0f, 1f, 0.5f}, {1f, 1f, 0f}, {-1f, 0f, 2f}};
        float[] b = {0.5f, -1f, 0f};
        Path dir = work.resolve("dense-" + t.id());
        DenseSavedModel.export(dir, w, b);
        uploadModel(api, t, "scorer", Archives.zip(dir));
        SavedModelArchive.deleteTree(dir);
        int rows = 20_000;
        float[][] x = new float[rows][4];
        Random random = new Random(5);
        Path csv = work.resolve("dense-" + t.id() + ".csv");
        writeCsv(csv, rows, 4, 1, r -> {
            for (int i = 0; i < 4; i++) {
                x[r][i] = random.nextInt(2001) / 100f - 10;
            }
            return x[r];
        });
        String dataset = uploadDataset(t, api, csv, false);

        String jobId = submit(api, t, batch("scorer", null, dataset, 500));
        JsonNode done = awaitEnd(api, t, jobId);
        assertEquals("succeeded", done.path("status").asText(), done::toString);
        assertEquals(rows, done.path("result").path("rows").asLong(), done::toString);
        assertEquals(
                "/v1/jobs/" + jobId + "/result", done.path("result").path("url").asText());
        assertEquals(rows, done.path("progress").path("rows").asLong(), done::toString);
        assertEquals(rows, done.path("usage").path("examples").asLong(), done::toString);

        Map<Long, JsonNode> lines = result(api, t, jobId);
        assertEquals(rows, lines.size(), "one line per row");
        for (int r = 0; r < rows; r++) {
            float[] want = b.clone();
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 3; j++) {
                    want[j] += x[r][i] * w[i][j];
                }
            }
            JsonNode line = lines.get((long) r);
            assertTrue(line != null, "row " + r + " is in the result");
            assertClose(want, line.path("y"), "row " + r);
        }
        // another tenant sees neither the job nor its result; a result is only a batch job's
        ItSupport.Tenant other = newTenant(api, admin, "it-batch");
        assertEquals(404, api.get("/v1/jobs/" + jobId + "/result", other.key()).status());
        assertEquals(404, api.get("/v1/jobs/" + jobId, other.key()).status());
    }

    @Test
    void progressAdvancesInChunksAndACancelledJobStopsAndServesNoResult() throws Exception {
        ItSupport.Tenant t = newTenant(api, admin, "it-batch");
        uploadModel(api, t, "slow", slowModelZip);
        String dataset = uploadDataset(t, api, slowCsv, false);
        int chunk = 64;
        String jobId = submit(api, t, batch("slow", null, dataset, chunk));
        TreeSet<Long> seen = awaitRows(t, jobId, 4L * chunk);
        var cancel = api.postJson("/v1/jobs/" + jobId + "/cancel", t.key(), Map.of());
        assertEquals(202, cancel.status(), cancel::toString);
        JsonNode done = awaitEnd(api, t, jobId);
        assertEquals("cancelled", done.path("status").asText(), done::toString);

        for (long rows : seen) {
            assertEquals(0, rows % chunk, "progress counts whole chunks: " + seen);
        }
        long stored = done.path("progress").path("rows").asLong();
        assertTrue(stored < SLOW_ROWS, "stopped mid-run at " + stored + " rows");
        assertTrue(done.path("progress").path("totalRows").asLong() == SLOW_ROWS, () -> "total rows shown: " + done);
        // partial output is not a result; what it ran is billed
        var result = api.get("/v1/jobs/" + jobId + "/result", t.key());
        assertEquals(404, result.status(), result::toString);
        assertTrue(done.path("usage").path("examples").asLong() <= stored, done::toString);
        assertTrue(done.path("usage").path("computeMillis").asLong() > 0, done::toString);
    }

    @Test
    void aWorkerKilledMidBatchLeavesTheJobToSucceedOnceWithEveryRowOnce() throws Exception {
        ItSupport.Tenant t = newTenant(api, admin, "it-batch");
        uploadModel(api, t, "crash", slowModelZip);
        String dataset = uploadDataset(t, api, slowCsv, false);
        // The shared worker steps aside so that the job runs on a worker this test may kill.
        platform.stopService(Service.WORKER);
        ServiceProcess doomed = null;
        try {
            doomed = platform.startReplica(Service.WORKER);
            String jobId = submit(api, t, batch("crash", null, dataset, 64));
            awaitRows(t, jobId, 1);
            doomed.kill();
            long storedAtKill = job(api, t, jobId).path("progress").path("rows").asLong();
            assertTrue(storedAtKill < SLOW_ROWS, "killed mid-run");
            platform.startService(Service.WORKER, true);

            JsonNode done = awaitEnd(api, t, jobId);
            assertEquals("succeeded", done.path("status").asText(), done::toString);
            assertEquals(SLOW_ROWS, done.path("result").path("rows").asLong());
            Map<Long, JsonNode> lines = result(api, t, jobId);
            assertEquals(SLOW_ROWS, lines.size(), "every row once");
            for (long r = 0; r < SLOW_ROWS; r++) {
                assertTrue(lines.containsKey(r), "row " + r + " is in the result");
            }
            // the rows before and after the crash hold the model's outputs (a sample, computed here)
            for (int r = 0; r < SLOW_ROWS; r += 97) {
                assertClose(slowExpected(slowRows[r]), lines.get((long) r).path("y"), "row " + r);
            }
            assertEquals(SLOW_ROWS, done.path("usage").path("examples").asLong(), done::toString);
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

    /**
     * 100,000-row uploads through a gateway of 96 MiB heap and a model-service of 128 MiB, each smaller than the file:
     * a process that held the body whole would fail (the services exit on OutOfMemoryError). The peak heap each shows
     * on {@code /q/metrics} while the uploads run is printed.
     */
    @Test
    void largeUploadsStreamThroughProcessesWhoseHeapIsSmallerThanTheFile() throws Exception {
        int gatewayHeapMb = 96;
        int modelHeapMb = 128;
        int rows = 100_000;
        int features = 784;
        Path csv = work.resolve("large.csv");
        Random random = new Random(3);
        float[] pixels = new float[features];
        writeCsv(csv, rows, features, features, r -> {
            for (int i = 0; i < features; i++) {
                // like a digit: mostly blank, some strokes
                pixels[i] = random.nextInt(4) == 0 ? Math.round(random.nextInt(256) / 2.55f) / 100f : 0f;
            }
            return pixels;
        });
        Path gz = work.resolve("large.csv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz), 1 << 16)) {
            Files.copy(csv, out);
        }
        long size = Files.size(csv);
        assertTrue(
                size > modelHeapMb * 1024L * 1024L && size > gatewayHeapMb * 1024L * 1024L,
                "the file (" + size + " bytes) is larger than either heap");

        ItSupport.Tenant t = newTenant(api, admin, "it-batch");
        ServiceProcess model = platform.startReplica(Service.MODEL, "model-service-small-heap", modelHeapMb, Map.of());
        try (model;
                ServiceProcess gateway = platform.startReplica(
                        Service.GATEWAY,
                        "gateway-small-heap",
                        gatewayHeapMb,
                        Map.of("AIAAS_MODEL_SERVICE_URL", model.url()))) {
            PlatformClient viaSmall = new PlatformClient(gateway.url());
            HeapWatch watch = new HeapWatch(List.of(gateway, model));
            watch.start();
            String plain;
            String gzip;
            try {
                plain = uploadDataset(t, viaSmall, csv, false);
                gzip = uploadDataset(t, viaSmall, gz, true);
            } finally {
                watch.stop();
            }
            for (String id : List.of(plain, gzip)) {
                JsonNode dataset = api.get("/v1/datasets/" + id, t.key()).json();
                assertEquals(rows, dataset.path("rows").asLong(), dataset::toString);
                assertEquals(features, dataset.path("features").asLong(), dataset::toString);
                assertEquals(size, dataset.path("sizeBytes").asLong(), "stored as the plain CSV: " + dataset);
            }
            assertTrue(gateway.isAlive() && model.isAlive(), "both processes lived through the uploads");
            System.out.printf(
                    "[it] uploads of %d bytes (%d gzip): peak heap used gateway %d MiB of %d, model-service %d MiB"
                            + " of %d%n",
                    size, Files.size(gz), watch.peakMb(gateway), gatewayHeapMb, watch.peakMb(model), modelHeapMb);
            for (String id : List.of(plain, gzip)) {
                assertEquals(204, api.delete("/v1/datasets/" + id, t.key()).status());
            }
        } finally {
            Files.deleteIfExists(csv);
            Files.deleteIfExists(gz);
        }
    }

    /** Samples {@code jvm_memory_used_bytes} of the heap on each process's {@code /q/metrics}, keeping the peak. */
    private static final class HeapWatch {
        private static final Pattern HEAP =
                Pattern.compile("^jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*} ([0-9.eE+]+)", Pattern.MULTILINE);
        private final List<ServiceProcess> processes;
        private final Map<ServiceProcess, AtomicLong> peaks = new LinkedHashMap<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final HttpClient http = HttpClient.newHttpClient();
        private Thread thread;

        HeapWatch(List<ServiceProcess> processes) {
            this.processes = processes;
            processes.forEach(p -> peaks.put(p, new AtomicLong()));
        }

        void start() {
            thread = new Thread(() -> {
                while (running.get()) {
                    for (ServiceProcess p : processes) {
                        try {
                            String metrics = http.send(
                                            HttpRequest.newBuilder(URI.create(p.url() + "/q/metrics"))
                                                    .build(),
                                            HttpResponse.BodyHandlers.ofString())
                                    .body();
                            long used = 0;
                            Matcher m = HEAP.matcher(metrics);
                            while (m.find()) {
                                used += (long) Double.parseDouble(m.group(1));
                            }
                            peaks.get(p).accumulateAndGet(used, Math::max);
                        } catch (IOException e) {
                            // a sample missed
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(5_000);
        }

        long peakMb(ServiceProcess p) {
            return peaks.get(p).get() / (1024 * 1024);
        }
    }
}
