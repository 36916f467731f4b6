package io.aiaas.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aiaas.common.archive.SavedModelArchive;
import io.aiaas.common.json.Json;
import io.aiaas.infra.fixtures.DenseSavedModel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.zip.GZIPOutputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 7's benchmark: batch inference of an MNIST-sized classifier over a dataset through the platform (upload the
 * CSV, run the job, download the NDJSON result) beside the same work done in this JVM with TensorFlow Java alone.
 */
@Command(
        name = "batch",
        mixinStandardHelpOptions = true,
        description = "Batch inference over a CSV dataset: upload MB/s, job rows/s against the same run in process.")
final class BatchBenchmark implements Callable<Integer> {
    static final String MODEL = "bench-mlp";
    /** The seed's classifier: 784 → dense 64 ReLU → dense 64 ReLU → dense 10 softmax. */
    private static final int[] WIDTHS = {SyntheticDigits.FEATURES, 64, 64, 10};

    private static final double TOLERANCE = 1e-5;
    private static final Set<String> TERMINAL = Set.of("succeeded", "failed", "cancelled");
    private static final ObjectMapper JSON = Json.mapper();

    @Option(names = "--rows", defaultValue = "100000", description = "Rows of the dataset (default ${DEFAULT-VALUE}).")
    long rows;

    @Option(
            names = "--seed",
            defaultValue = "7",
            description = "Seed of the dataset and the model's weights (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--chunk-rows",
            defaultValue = "256",
            description = "Rows per model call, in process and the job's parameters.chunk_rows.")
    int chunkRows;

    @Option(
            names = "--baseline-passes",
            defaultValue = "2",
            description = "In-process passes over the dataset; the last is reported (the first ones warm the JIT).")
    int baselinePasses;

    @Option(
            names = "--jobs",
            defaultValue = "6",
            description =
                    "Batch jobs run one after another on the platform, each checked; the median run of all but"
                            + " the first (which warms the worker's JIT, as the in-process passes do) is the platform's figure.")
    int jobs;

    @Option(
            names = "--spot-check",
            defaultValue = "1000",
            description = "Rows whose outputs from the platform are compared with the in-process run's.")
    int spotCheck;

    @Option(
            names = "--job-timeout",
            defaultValue = "1800",
            description = "Seconds to wait for a job to end before the run gives up on it.")
    int jobTimeout;

    @Option(
            names = "--baseline-only",
            description = "Only make the dataset and run it in process: no platform is started.")
    boolean baselineOnly;

    @Option(names = "--out", defaultValue = "target/bench/batch.md", description = "Where the Markdown results go.")
    Path out;

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /** What the platform part measured; fields stay null or zero where it did not get that far. */
    private static final class PlatformRun {
        Upload plain;
        Upload gzip;
        final List<JobRun> jobs = new ArrayList<>();
        String failure;
    }

    private record Upload(long fileBytes, long csvBytes, double seconds, String datasetId) {
        double megabytesPerSecond(long bytes) {
            return bytes / 1e6 / seconds;
        }
    }

    private record JobRun(
            String id,
            String status,
            double submitToEndSeconds,
            Double runSeconds,
            long resultLines,
            long resultBytes,
            double downloadSeconds,
            String check) {}

    @Override
    public Integer call() throws Exception {
        Path work = Files.createTempDirectory("aiaas-bench-batch");
        try {
            Path model = work.resolve("model");
            new DenseClassifier(WIDTHS, seed).export(model);
            Path csv = work.resolve("digits.csv");
            BenchMain.log(String.format("writing %,d rows of %d features to %s", rows, WIDTHS[0], csv));
            SyntheticDigits.Written written = SyntheticDigits.write(csv, rows, seed);
            BenchMain.log(String.format("CSV: %,.1f MB in %.1f s", written.bytes() / 1e6, written.seconds()));

            long every = Math.max(1, rows / Math.max(1, spotCheck));
            InProcessBatch.Pass baseline = null;
            try (InProcessBatch inProcess = new InProcessBatch(model)) {
                for (int pass = 1; pass <= baselinePasses; pass++) {
                    baseline = inProcess.run(
                            csv,
                            SyntheticDigits.LABEL,
                            chunkRows,
                            work.resolve("in-process.ndjson"),
                            row -> row % every == 0 || row == rows - 1);
                    BenchMain.log(String.format(
                            "in process, pass %d of %d: %,d rows in %.2f s, %,.0f rows/s",
                            pass, baselinePasses, baseline.rows(), baseline.seconds(), baseline.rowsPerSecond()));
                }
            }
            if (baseline == null || baseline.rows() != rows) {
                throw new IllegalStateException("the in-process run did not read the " + rows + " rows");
            }

            PlatformRun platform = null;
            if (!baselineOnly) {
                platform = new PlatformRun();
                try {
                    onPlatform(model, csv, work, baseline.kept(), platform);
                } catch (Exception e) {
                    platform.failure = e.toString();
                    BenchMain.log("the platform run stopped: " + e);
                }
            }
            Report report = report(written, baseline, platform);
            System.out.println(report.text());
            report.writeTo(out);
            BenchMain.log("results written to " + out.toAbsolutePath());
            boolean ok = platform == null
                    || (platform.failure == null
                            && !platform.jobs.isEmpty()
                            && platform.jobs.stream().allMatch(j -> "ok".equals(j.check)));
            return ok ? 0 : 1;
        } finally {
            SavedModelArchive.deleteTree(work);
        }
    }

    private void onPlatform(Path model, Path csv, Path work, Map<Long, float[]> expected, PlatformRun run)
            throws Exception {
        BenchMain.log("starting this build from " + BenchMain.repoRoot());
        try (BenchPlatform platform = BenchPlatform.start("after", BenchMain.repoRoot())) {
            int version = platform.uploadModel(MODEL, model);
            BenchMain.log("model " + MODEL + " version " + version + " uploaded");

            run.plain = upload(platform, csv, null, "bench");
            BenchMain.log(String.format(
                    "plain upload: %,.1f MB in %.2f s, %.1f MB/s",
                    run.plain.fileBytes / 1e6, run.plain.seconds, run.plain.megabytesPerSecond(run.plain.fileBytes)));
            Path gz = work.resolve("digits.csv.gz");
            long zipStart = System.nanoTime();
            try (OutputStream zipped = new GZIPOutputStream(Files.newOutputStream(gz), 1 << 16)) {
                Files.copy(csv, zipped);
            }
            BenchMain.log(String.format(
                    "gzip: %,.1f MB in %.1f s (not measured)",
                    Files.size(gz) / 1e6, (System.nanoTime() - zipStart) / 1e9));
            run.gzip = upload(platform, gz, "gzip", "bench-gz");
            BenchMain.log(String.format(
                    "gzip upload: %,.1f MB compressed in %.2f s, %.1f MB/s compressed, %.1f MB/s of CSV",
                    run.gzip.fileBytes / 1e6,
                    run.gzip.seconds,
                    run.gzip.megabytesPerSecond(run.gzip.fileBytes),
                    run.gzip.megabytesPerSecond(run.gzip.csvBytes)));
            Files.delete(gz);

            String body = batchJob(version, run.plain.datasetId);
            BenchMain.log("job body: " + body);
            for (int i = 1; i <= jobs; i++) {
                JobRun job = job(platform, body, work.resolve("result.ndjson"), expected);
                run.jobs.add(job);
                BenchMain.log(String.format(
                        "job %d of %d (%s): %s, submit to end %.2f s, run %s s; result %,d lines, %,.1f MB in %.2f s;"
                                + " check: %s",
                        i,
                        jobs,
                        job.id,
                        job.status,
                        job.submitToEndSeconds,
                        job.runSeconds == null ? "n/a" : String.format("%.2f", job.runSeconds),
                        job.resultLines,
                        job.resultBytes / 1e6,
                        job.downloadSeconds,
                        job.check));
                if (!"succeeded".equals(job.status)) {
                    break;
                }
            }
        }
    }

    /** The batch job's body, as CONTRACT.md gives it: the dataset by its id under {@code dataset}. */
    private String batchJob(int version, String datasetId) throws IOException {
        Map<String, Object> job = new LinkedHashMap<>();
        job.put("type", "inference");
        job.put("model", MODEL);
        job.put("version", version);
        job.put("dataset", datasetId);
        job.put("parameters", Map.of("chunk_rows", chunkRows));
        return JSON.writeValueAsString(job);
    }

    /** {@code POST /v1/datasets} streaming {@code file} from disk; timed from sending to the answer. */
    private Upload upload(BenchPlatform platform, Path file, String encoding, String name) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(
                        platform.gatewayUrl() + "/v1/datasets?name=" + name + "&label=" + SyntheticDigits.LABEL))
                .timeout(Duration.ofMinutes(30))
                .header("Authorization", "Bearer " + platform.apiKey)
                .header("Content-Type", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofFile(file));
        if (encoding != null) {
            request.header("Content-Encoding", encoding);
        }
        long start = System.nanoTime();
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        double seconds = (System.nanoTime() - start) / 1e9;
        if (response.statusCode() != 201) {
            throw new IllegalStateException(
                    "dataset upload " + name + ": HTTP " + response.statusCode() + " " + response.body());
        }
        JsonNode dataset = JSON.readTree(response.body());
        if (dataset.path("rows").asLong() != rows || dataset.path("features").asInt() != WIDTHS[0]) {
            throw new IllegalStateException("dataset upload " + name + " answered " + response.body());
        }
        return new Upload(
                Files.size(file),
                dataset.path("sizeBytes").asLong(),
                seconds,
                dataset.path("id").asText());
    }

    /**
     * Submits the job, reads {@code GET /v1/jobs/{id}} every 50 ms until it ends, downloads a succeeded job's result
     * to {@code result} (timed alone), then checks it.
     */
    private JobRun job(BenchPlatform platform, String body, Path result, Map<Long, float[]> expected) throws Exception {
        long sent = System.nanoTime();
        var submitted = platform.client.postJson("/v1/jobs", platform.apiKey, body);
        if (submitted.status() != 202) {
            throw new IllegalStateException("job submission: HTTP " + submitted.status() + " " + submitted.body());
        }
        String id = submitted.json().path("id").asText();
        JsonNode job;
        long lastLog = sent;
        while (true) {
            job = platform.client.get("/v1/jobs/" + id, platform.apiKey).json();
            if (TERMINAL.contains(job.path("status").asText())) {
                break;
            }
            long now = System.nanoTime();
            if (now - sent > jobTimeout * 1_000_000_000L) {
                throw new IllegalStateException(
                        "job " + id + " still " + job.path("status").asText() + " after " + jobTimeout + " s");
            }
            if (now - lastLog > 10_000_000_000L) {
                BenchMain.log("  job " + id + " " + job.path("status").asText() + " " + job.path("progress"));
                lastLog = now;
            }
            Thread.sleep(50);
        }
        double submitToEnd = (System.nanoTime() - sent) / 1e9;
        String status = job.path("status").asText();
        Double runSeconds = null;
        if (job.hasNonNull("startedAt") && job.hasNonNull("finishedAt")) {
            runSeconds = Duration.between(
                                    Instant.parse(job.path("startedAt").asText()),
                                    Instant.parse(job.path("finishedAt").asText()))
                            .toNanos()
                    / 1e9;
        }
        if (!status.equals("succeeded")) {
            String error = job.path("error").toString();
            return new JobRun(id, status, submitToEnd, runSeconds, 0, 0, 0, "job " + status + ": " + error);
        }
        long downloadStart = System.nanoTime();
        HttpResponse<Path> download = http.send(
                HttpRequest.newBuilder(URI.create(platform.gatewayUrl() + "/v1/jobs/" + id + "/result"))
                        .timeout(Duration.ofMinutes(30))
                        .header("Authorization", "Bearer " + platform.apiKey)
                        .header("Accept", "application/x-ndjson")
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofFile(result));
        double downloadSeconds = (System.nanoTime() - downloadStart) / 1e9;
        if (download.statusCode() != 200) {
            return new JobRun(
                    id,
                    status,
                    submitToEnd,
                    runSeconds,
                    0,
                    0,
                    downloadSeconds,
                    "result: HTTP " + download.statusCode() + " " + Files.readString(result));
        }
        long[] lines = new long[1];
        String check = check(result, expected, lines);
        return new JobRun(id, status, submitToEnd, runSeconds, lines[0], Files.size(result), downloadSeconds, check);
    }

    /**
     * "ok" when the result has one line for each row 0…rows-1, each with {@code y} of the output width, and the kept
     * rows' outputs match the in-process run's within {@link #TOLERANCE}; otherwise what is wrong first.
     */
    private String check(Path result, Map<Long, float[]> expected, long[] lines) throws IOException {
        BitSet seen = new BitSet();
        int matched = 0;
        double worst = 0;
        try (InputStream in = Files.newInputStream(result);
                BufferedReader reader =
                        new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
            String text;
            while ((text = reader.readLine()) != null) {
                lines[0]++;
                JsonNode line = JSON.readTree(text);
                long row = line.path("row").asLong(-1);
                if (row < 0 || row >= rows) {
                    return "line " + lines[0] + ": row " + line.path("row") + " outside 0…" + (rows - 1);
                }
                if (seen.get((int) row)) {
                    return "row " + row + " twice";
                }
                seen.set((int) row);
                JsonNode y = line.path("outputs").path(DenseSavedModel.OUTPUT);
                if (y.size() != WIDTHS[WIDTHS.length - 1]) {
                    return "row " + row + ": " + y.size() + " outputs";
                }
                float[] want = expected.get(row);
                if (want != null) {
                    for (int j = 0; j < want.length; j++) {
                        double difference = Math.abs(y.get(j).asDouble() - want[j]);
                        worst = Math.max(worst, difference);
                        if (!(difference <= TOLERANCE)) {
                            return "row " + row + " output " + j + ": " + y.get(j) + ", in process " + want[j];
                        }
                    }
                    matched++;
                }
            }
        }
        if (seen.cardinality() != rows) {
            return (rows - seen.cardinality()) + " rows missing, first " + seen.nextClearBit(0);
        }
        if (matched != expected.size()) {
            return matched + " of " + expected.size() + " spot-checked rows found";
        }
        BenchMain.log(String.format(
                "  result: %,d rows once each; %d rows match in process, worst |Δ| %.2g", rows, matched, worst));
        return "ok";
    }

    private Report report(SyntheticDigits.Written csv, InProcessBatch.Pass baseline, PlatformRun platform) {
        Report report = new Report(
                "Batch inference over a dataset",
                "./aiaas-bench batch --rows " + rows + (baselineOnly ? " --baseline-only" : ""));
        report.paragraph(String.format(
                "A synthetic MNIST-like CSV (%,d rows, %d pixel features scaled to [0, 1] with at most three decimals, "
                        + "mostly 0, and an integer label; seed %d) and the seed's classifier, 784 → dense 64 ReLU → dense 64"
                        + " ReLU → dense 10 softmax (He-initialised weights, seed %d). **In process**: this JVM reads the"
                        + " CSV with the platform's `CsvDatasetReader`, runs `serving_default` with TensorFlow Java from one"
                        + " thread (TensorFlow's own thread pool as it comes) %d rows per call and writes the same NDJSON lines as a batch job; %d passes, the last"
                        + " reported. **Platform**: the CSV uploaded through the gateway (`POST /v1/datasets`, streamed"
                        + " from disk, plain and gzip), then a batch inference job (`parameters.chunk_rows` %d) read every"
                        + " 50 ms until it ends, its NDJSON result downloaded and checked: every row once, and %,d rows'"
                        + " outputs equal to the in-process ones within %.0e; %d jobs one after another, the median run of"
                        + " all but the first reported (the first warms the worker's JIT). MB are 10⁶ bytes.",
                rows, WIDTHS[0], seed, seed, chunkRows, baselinePasses, chunkRows, spotCheck, TOLERANCE, jobs));
        List<List<String>> table = new ArrayList<>();
        table.add(row("CSV size", Report.number(csv.bytes() / 1e6, 1) + " MB"));
        table.add(row("CSV generation", Report.number(csv.seconds(), 1) + " s"));
        table.add(row(
                "in process",
                Report.number(baseline.rowsPerSecond(), 0) + " rows/s (" + Report.number(baseline.seconds(), 2)
                        + " s)"));
        String goal = null;
        if (platform == null) {
            table.add(row("platform", "not run (--baseline-only)"));
        } else {
            if (platform.plain != null) {
                table.add(row(
                        "upload, plain",
                        Report.number(platform.plain.megabytesPerSecond(platform.plain.fileBytes), 1) + " MB/s ("
                                + Report.number(platform.plain.seconds, 2) + " s)"));
            }
            if (platform.gzip != null) {
                table.add(row(
                        "upload, gzip",
                        Report.number(platform.gzip.megabytesPerSecond(platform.gzip.fileBytes), 1)
                                + " MB/s compressed, "
                                + Report.number(platform.gzip.megabytesPerSecond(platform.gzip.csvBytes), 1)
                                + " MB/s of CSV (" + Report.number(platform.gzip.fileBytes / 1e6, 1) + " MB, "
                                + Report.number(platform.gzip.seconds, 2) + " s)"));
            }
            JobRun job = platform.jobs.isEmpty() ? null : platform.jobs.get(platform.jobs.size() - 1);
            if (job != null && job.status.equals("succeeded")) {
                double endToEnd = rows / job.submitToEndSeconds;
                table.add(row(
                        "platform, last job's run (startedAt → finishedAt)",
                        job.runSeconds == null
                                ? "n/a"
                                : Report.number(rows / job.runSeconds, 0) + " rows/s ("
                                        + Report.number(job.runSeconds, 2) + " s), "
                                        + percent(rows / job.runSeconds / baseline.rowsPerSecond())
                                        + " of in process"));
                table.add(row(
                        "platform, last job, submit → succeeded",
                        Report.number(endToEnd, 0) + " rows/s (" + Report.number(job.submitToEndSeconds, 2) + " s), "
                                + percent(endToEnd / baseline.rowsPerSecond()) + " of in process"));
                table.add(row(
                        "result download",
                        Report.number(job.downloadSeconds, 2) + " s (" + Report.number(job.resultLines, 0) + " lines, "
                                + Report.number(job.resultBytes / 1e6, 1) + " MB)"));
                table.add(row("result check", job.check));
                List<Double> warm =
                        platform.jobs.subList(platform.jobs.size() > 1 ? 1 : 0, platform.jobs.size()).stream()
                                .filter(j -> j.status.equals("succeeded") && j.runSeconds != null)
                                .map(j -> j.runSeconds)
                                .sorted()
                                .toList();
                table.add(row(
                        "platform, every job's run",
                        String.join(
                                        ", ",
                                        platform.jobs.stream()
                                                .map(j -> j.runSeconds == null ? "n/a" : Report.number(j.runSeconds, 2))
                                                .toList())
                                + " s"));
                double median = warm.isEmpty()
                        ? job.submitToEndSeconds
                        : warm.size() % 2 == 1
                                ? warm.get(warm.size() / 2)
                                : (warm.get(warm.size() / 2 - 1) + warm.get(warm.size() / 2)) / 2;
                table.add(row(
                        "**platform, median run after the first**",
                        Report.number(rows / median, 0) + " rows/s (" + Report.number(median, 2) + " s), "
                                + percent(rows / median / baseline.rowsPerSecond()) + " of in process"));
                double ratio = rows / median / baseline.rowsPerSecond();
                goal = "**Goal**: the platform's job (median run after the first) at ≥ 90 % of in-process rows/s: "
                        + percent(ratio) + ", " + (ratio >= 0.9 ? "met" : "missed") + ".";
            } else if (job != null) {
                table.add(row("platform job", job.check));
            }
            if (platform.failure != null) {
                table.add(row("platform run", "stopped: " + platform.failure));
            }
        }
        report.table(List.of("measure", "value"), table);
        if (goal != null) {
            report.paragraph(goal);
        }
        return report;
    }

    private static List<String> row(String measure, String value) {
        return List.of(measure, value.replace('|', '/').replace('\n', ' '));
    }

    private static String percent(double ratio) {
        return Report.number(ratio * 100, 0) + " %";
    }
}
