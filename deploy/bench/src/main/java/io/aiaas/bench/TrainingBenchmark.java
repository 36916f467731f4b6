package io.aiaas.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.archive.SavedModelArchive;
import io.aiaas.common.json.Json;
import io.aiaas.infra.fixtures.Digits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 8's benchmark: a training job of the seed's MNIST classifier on the platform (upload the digits CSV, train,
 * follow the job) beside the same training done in this JVM with TensorFlow Java alone, and against the reference
 * figures of Keras and raw TensorFlow Java on this kind of machine.
 */
@Command(
        name = "training",
        mixinStandardHelpOptions = true,
        description = "A training job's examples/s, time per epoch and accuracy against the same training in process.")
final class TrainingBenchmark implements Callable<Integer> {
    static final String MODEL = "bench-digits";
    /** The seed's classifier: 784 → dense 64 ReLU → dense 64 ReLU → dense 10 softmax. */
    private static final int[] WIDTHS = {Digits.PIXELS, 64, 64, Digits.CLASSES};

    private static final double LEARNING_RATE = 0.001;
    /** Given by the issue for this kind of machine (2 cores), not measured here. */
    private static final double KERAS_EXAMPLES_PER_SECOND = 6_200;

    private static final double RAW_TF_JAVA_EXAMPLES_PER_SECOND = 29_500;
    /** What the issue asks of the platform against Keras. */
    private static final double KERAS_FACTOR_WANTED = 4;

    /** Loss and accuracy of an epoch on both sides agree within this (they are computed alike, in one thread). */
    private static final double HISTORY_TOLERANCE = 1e-6;

    private static final Set<String> TERMINAL = Set.of("succeeded", "failed", "cancelled");

    @Option(names = "--rows", defaultValue = "60000", description = "Rows of the dataset (default ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--epochs", defaultValue = "5", description = "Epochs on both sides (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(
            names = "--batch-size",
            defaultValue = "32",
            description = "Rows per step on both sides (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(
            names = "--seed",
            defaultValue = "42",
            description = "Seed of the digits, the starting weights and the shuffles (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--warmup-rows",
            defaultValue = "6400",
            description = "Rows of the short in-process epoch run before the measured one, to warm the JIT and"
                    + " TensorFlow; the weights are reset after it (default ${DEFAULT-VALUE}).")
    int warmupRows;

    @Option(
            names = "--job-timeout",
            defaultValue = "1800",
            description = "Seconds to wait for the training job to end before the run gives up on it.")
    int jobTimeout;

    @Option(
            names = "--baseline-only",
            description = "Only make the dataset and train in process: no platform is started.")
    boolean baselineOnly;

    @Option(names = "--out", defaultValue = "target/bench/training.md", description = "Where the Markdown results go.")
    Path out;

    /** What the in-process side measured; the dataset itself is not kept. */
    private record Baseline(double readSeconds, int warmupRows, double warmupSeconds, InProcessTraining.Run run) {
        /** Examples/s counting the CSV read as well as the training. */
        double withReadExamplesPerSecond() {
            return run.examples() / (readSeconds + run.seconds());
        }
    }

    /** What the platform part measured; fields stay null where it did not get that far. */
    private static final class PlatformRun {
        long csvBytes;
        Double uploadSeconds;
        String jobId;
        String status;
        Double submitToEndSeconds;
        Instant startedAt;
        Instant finishedAt;
        /** Per epoch, when a poll first showed it ended; the epochs first seen with the terminal status get its poll. */
        final Instant[] epochEnds;
        /** Epochs whose end no poll showed before the job's terminal status. */
        int epochsSeenOnlyAtEnd;

        JsonNode job;
        String failure;

        PlatformRun(int epochs) {
            epochEnds = new Instant[epochs];
        }

        Double runSeconds() {
            return startedAt == null || finishedAt == null ? null : seconds(startedAt, finishedAt);
        }
    }

    @Override
    public Integer call() throws Exception {
        Path work = Files.createTempDirectory("aiaas-bench-training");
        try {
            Path csv = work.resolve("digits.csv");
            BenchMain.log(String.format("writing %,d digits (seed %d) to %s", rows, seed, csv));
            long writeStart = System.nanoTime();
            Digits.writeCsv(csv, rows, seed);
            double writeSeconds = (System.nanoTime() - writeStart) / 1e9;
            long csvBytes = Files.size(csv);
            BenchMain.log(String.format("CSV: %,.1f MB in %.1f s", csvBytes / 1e6, writeSeconds));

            Baseline baseline = inProcess(csv);

            PlatformRun platform = null;
            if (!baselineOnly) {
                platform = new PlatformRun(epochs);
                platform.csvBytes = csvBytes;
                try {
                    onPlatform(csv, platform);
                } catch (Exception e) {
                    platform.failure = e.toString();
                    BenchMain.log("the platform run stopped: " + e);
                }
            }
            Report report = report(csvBytes, writeSeconds, baseline, platform);
            System.out.println(report.text());
            report.writeTo(out);
            BenchMain.log("results written to " + out.toAbsolutePath());
            boolean ok = platform == null || (platform.failure == null && "succeeded".equals(platform.status));
            return ok ? 0 : 1;
        } finally {
            SavedModelArchive.deleteTree(work);
        }
    }

    /** Reads the CSV, warms up on a short epoch, resets the weights, then trains the measured epochs. */
    private Baseline inProcess(Path csv) throws Exception {
        InProcessTraining.Data data = InProcessTraining.read(csv, Digits.LABEL, rows);
        BenchMain.log(String.format(
                "in process: CSV read in %.2f s (%,.0f rows/s)", data.readSeconds(), rows / data.readSeconds()));
        try (InProcessTraining training = new InProcessTraining(WIDTHS, LEARNING_RATE, seed)) {
            int warm = Math.min(warmupRows, rows);
            InProcessTraining.Run warmup = training.train(data, warm, 1, batchSize);
            BenchMain.log(String.format(
                    "in process: warm-up epoch of %,d rows in %.2f s (%,.0f examples/s)",
                    warm, warmup.seconds(), warmup.examplesPerSecond()));
            training.reset();
            InProcessTraining.Run run = training.train(data, rows, epochs, batchSize);
            for (InProcessTraining.Epoch e : run.epochs()) {
                BenchMain.log(String.format(
                        "in process: epoch %d of %d in %.2f s (%,.0f examples/s), loss %.4f, accuracy %.4f",
                        e.epoch(), epochs, e.seconds(), rows / e.seconds(), e.loss(), e.accuracy()));
            }
            BenchMain.log(String.format(
                    "in process: %,d examples in %.2f s, %,.0f examples/s",
                    run.examples(), run.seconds(), run.examplesPerSecond()));
            return new Baseline(data.readSeconds(), warm, warmup.seconds(), run);
        }
    }

    private void onPlatform(Path csv, PlatformRun run) throws Exception {
        BenchMain.log("starting this build from " + BenchMain.repoRoot());
        try (BenchPlatform platform = BenchPlatform.start("after", BenchMain.repoRoot())) {
            long uploadStart = System.nanoTime();
            var uploaded = platform.client.upload(
                    "/v1/datasets?name=" + MODEL + "&label=" + Digits.LABEL, platform.apiKey, "text/csv", null, csv);
            run.uploadSeconds = (System.nanoTime() - uploadStart) / 1e9;
            if (uploaded.status() != 201) {
                throw new IllegalStateException("dataset upload: HTTP " + uploaded.status() + " " + uploaded.body());
            }
            JsonNode dataset = uploaded.json();
            if (dataset.path("rows").asLong() != rows
                    || dataset.path("features").asInt() != WIDTHS[0]) {
                throw new IllegalStateException("dataset upload answered " + uploaded.body());
            }
            BenchMain.log(String.format(
                    "upload: %,.1f MB in %.2f s, %.1f MB/s",
                    run.csvBytes / 1e6, run.uploadSeconds, run.csvBytes / 1e6 / run.uploadSeconds));

            Map<String, Object> body = trainingJob(dataset.path("id").asText());
            BenchMain.log("job body: " + Json.mapper().writeValueAsString(body));
            follow(platform, body, run);
        }
    }

    /** The training job's body: the seed's network and the training settings, every one given. */
    private Map<String, Object> trainingJob(String datasetId) {
        List<Map<String, Object>> layers = new ArrayList<>();
        for (int l = 1; l < WIDTHS.length; l++) {
            layers.add(Map.of(
                    "type", "dense", "units", WIDTHS[l], "activation", l < WIDTHS.length - 1 ? "relu" : "softmax"));
        }
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("layers", layers);
        spec.put("loss", "sparse_categorical_crossentropy");
        spec.put("optimizer", Map.of("type", "adam", "learningRate", LEARNING_RATE));
        spec.put("epochs", epochs);
        spec.put("batchSize", batchSize);
        // No rows held out, so that both sides train on the same rows.
        spec.put("validationSplit", 0);
        spec.put("seed", seed);
        Map<String, Object> job = new LinkedHashMap<>();
        job.put("type", "training");
        job.put("dataset", datasetId);
        job.put("model", MODEL);
        job.put("spec", spec);
        return job;
    }

    /**
     * Submits the job and reads {@code GET /v1/jobs/{id}} every 100 ms until it ends, noting when each epoch's end
     * first shows in {@code progress} ({@code step == steps}, or a later epoch).
     */
    private void follow(BenchPlatform platform, Map<String, Object> body, PlatformRun run) throws Exception {
        long sent = System.nanoTime();
        var submitted = platform.client.postJson("/v1/jobs", platform.apiKey, body);
        if (submitted.status() != 202) {
            throw new IllegalStateException("job submission: HTTP " + submitted.status() + " " + submitted.body());
        }
        run.jobId = submitted.json().path("id").asText();
        BenchMain.log("job " + run.jobId + " submitted");
        JsonNode job;
        long lastLog = sent;
        while (true) {
            var reply = platform.client.get("/v1/jobs/" + run.jobId, platform.apiKey);
            Instant seen = Instant.now();
            if (reply.status() != 200) {
                throw new IllegalStateException("job " + run.jobId + ": HTTP " + reply.status() + " " + reply.body());
            }
            job = reply.json();
            String status = job.path("status").asText();
            JsonNode progress = job.path("progress");
            if (progress.has("epoch")) {
                int epoch = progress.path("epoch").asInt();
                boolean ended =
                        progress.path("step").asLong() == progress.path("steps").asLong();
                int completed = Math.min(epochs, ended ? epoch : epoch - 1);
                for (int e = 0; e < completed; e++) {
                    if (run.epochEnds[e] == null) {
                        run.epochEnds[e] = seen;
                        BenchMain.log(String.format(
                                "  epoch %d ended by %.2f s after submission: %s",
                                e + 1, (System.nanoTime() - sent) / 1e9, progress));
                    }
                }
            }
            if (TERMINAL.contains(status)) {
                if (status.equals("succeeded")) {
                    for (int e = 0; e < epochs; e++) {
                        if (run.epochEnds[e] == null) {
                            run.epochEnds[e] = seen;
                            run.epochsSeenOnlyAtEnd++;
                        }
                    }
                }
                break;
            }
            long now = System.nanoTime();
            if (now - sent > jobTimeout * 1_000_000_000L) {
                throw new IllegalStateException(
                        "job " + run.jobId + " still " + status + " after " + jobTimeout + " s");
            }
            if (now - lastLog > 10_000_000_000L) {
                BenchMain.log("  job " + run.jobId + " " + status + " " + progress);
                lastLog = now;
            }
            Thread.sleep(100);
        }
        run.submitToEndSeconds = (System.nanoTime() - sent) / 1e9;
        run.job = job;
        run.status = job.path("status").asText();
        if (job.hasNonNull("startedAt")) {
            run.startedAt = Instant.parse(job.path("startedAt").asText());
        }
        if (job.hasNonNull("finishedAt")) {
            run.finishedAt = Instant.parse(job.path("finishedAt").asText());
        }
        BenchMain.log(String.format(
                "job %s: %s, submit to end %.2f s, run %s s; usage %s; result %s",
                run.jobId,
                run.status,
                run.submitToEndSeconds,
                run.runSeconds() == null ? "n/a" : String.format("%.2f", run.runSeconds()),
                job.path("usage"),
                run.status.equals("succeeded") ? job.path("result") : job.path("error")));
        if (!run.status.equals("succeeded")) {
            run.failure = "job " + run.status + ": " + job.path("error");
        }
    }

    private Report report(long csvBytes, double writeSeconds, Baseline baseline, PlatformRun platform) {
        Report report = new Report(
                "Training a classifier",
                "./aiaas-bench training --rows " + rows + " --epochs " + epochs
                        + (baselineOnly ? " --baseline-only" : ""));
        report.paragraph(String.format(
                "The digits of `Digits.writeCsv` (%,d rows of 28 × 28 pixels in [0, 1] and a label 0–9, seed %d) and the"
                        + " seed's classifier, 784 → dense 64 ReLU → dense 64 ReLU → dense 10 softmax, sparse"
                        + " categorical cross-entropy, Adam (learning rate %s), %d epochs of batches of %d, seed %d."
                        + " `validationSplit` is 0 so that both sides train on the same %,d rows (no validation"
                        + " pass on either side). **In process**: this JVM reads the CSV with the platform's"
                        + " `CsvDatasetReader` into one `float[]`, builds the same graph with TensorFlow Java's ops"
                        + " (Glorot-uniform kernels from `java.util.Random(seed)`, fused softmax cross-entropy on"
                        + " one-hot labels, TensorFlow's `ApplyAdam`), and trains it in a plain loop on a session of one"
                        + " thread, one `Session.runner()` call per batch fetching the batch's loss and correct"
                        + " predictions; a warm-up epoch of %,d rows first, then the weights reset. Its examples/s count"
                        + " the training alone, and also with the CSV read. **Platform**: the CSV uploaded through the"
                        + " gateway (`POST /v1/datasets`, streamed from disk), then one training job with the same"
                        + " spec, read every 100 ms until it ends. Its figure is rows × epochs / (`finishedAt` −"
                        + " `startedAt`): from the claim to the terminal event, so it includes the worker's download"
                        + " and read of the dataset, building the graph, a checkpoint per epoch, and exporting and"
                        + " registering the trained version. Epoch times come from the polls (the first poll that"
                        + " shows an epoch ended; ±0.1 s), epoch 1 from `startedAt`. MB are 10⁶ bytes.",
                rows, seed, Report.number(LEARNING_RATE, 3), epochs, batchSize, seed, rows, baseline.warmupRows()));
        InProcessTraining.Run run = baseline.run();
        double inProcessRate = run.examplesPerSecond();
        List<List<String>> table = new ArrayList<>();
        table.add(row(
                "CSV",
                Report.number(csvBytes / 1e6, 1) + " MB, written in " + Report.number(writeSeconds, 1)
                        + " s (not measured)"));
        table.add(row(
                "in process, CSV read",
                Report.number(baseline.readSeconds(), 2) + " s (" + Report.number(rows / baseline.readSeconds(), 0)
                        + " rows/s)"));
        table.add(row(
                "in process, warm-up",
                Report.number(baseline.warmupRows(), 0) + " rows in " + Report.number(baseline.warmupSeconds(), 2)
                        + " s"));
        table.add(row("in process, epochs", seconds(run.epochs().stream().map(InProcessTraining.Epoch::seconds))));
        table.add(row(
                "**in process, training**",
                "**" + Report.number(inProcessRate, 0) + " examples/s** (" + Report.number(run.seconds(), 2) + " s, "
                        + Report.number(run.seconds() / epochs, 2) + " s per epoch)"));
        double inProcessMedian = median(
                run.epochs().stream().map(InProcessTraining.Epoch::seconds).toList());
        table.add(row(
                "in process, median epoch",
                Report.number(inProcessMedian, 2) + " s = " + Report.number(rows / inProcessMedian, 0)
                        + " examples/s"));
        table.add(row(
                "in process, CSV read + training",
                Report.number(baseline.withReadExamplesPerSecond(), 0) + " examples/s ("
                        + Report.number(baseline.readSeconds() + run.seconds(), 2) + " s)"));
        table.add(row(
                "in process, last epoch's training loss and accuracy",
                Report.number(run.last().loss(), 4) + ", "
                        + Report.number(run.last().accuracy(), 4)));
        String goal = null;
        if (platform == null) {
            table.add(row("platform", "not run (--baseline-only)"));
        } else {
            if (platform.uploadSeconds != null) {
                table.add(row(
                        "upload through the gateway",
                        Report.number(platform.csvBytes / 1e6 / platform.uploadSeconds, 1) + " MB/s ("
                                + Report.number(platform.uploadSeconds, 2) + " s)"));
            }
            Double runSeconds = platform.runSeconds();
            if ("succeeded".equals(platform.status) && runSeconds != null) {
                long examples = (long) rows * epochs;
                double rate = examples / runSeconds;
                table.add(row(
                        "**platform, job run (startedAt → finishedAt)**",
                        "**" + Report.number(rate, 0) + " examples/s** (" + Report.number(runSeconds, 2) + " s), "
                                + percent(rate / inProcessRate) + " of in process (training), "
                                + percent(rate / baseline.withReadExamplesPerSecond())
                                + " of in process (CSV read + training)"));
                table.add(row(
                        "platform, submit → succeeded",
                        Report.number(examples / platform.submitToEndSeconds, 0) + " examples/s ("
                                + Report.number(platform.submitToEndSeconds, 2) + " s)"));
                JsonNode usage = platform.job.path("usage");
                if (usage.has("computeMillis")) {
                    double compute = usage.path("computeMillis").asLong() / 1e3;
                    table.add(row(
                            "platform, worker's training (`usage.computeMillis`)",
                            Report.number(examples / compute, 0) + " examples/s (" + Report.number(compute, 2)
                                    + " s: graph, epochs and checkpoints; usage counts "
                                    + Report.number(usage.path("examples").asLong(), 0) + " examples)"));
                }
                List<Double> epochSeconds = platformEpochs(platform);
                table.add(row(
                        "platform, epochs (epoch 1 from startedAt)",
                        seconds(epochSeconds.stream())
                                + (platform.epochsSeenOnlyAtEnd > 0
                                        ? " (the last " + platform.epochsSeenOnlyAtEnd
                                                + " seen only with the terminal status)"
                                        : "")));
                List<Double> later =
                        epochSeconds.subList(1, Math.max(1, epochSeconds.size() - platform.epochsSeenOnlyAtEnd));
                if (!later.isEmpty()) {
                    double median = median(later);
                    table.add(row(
                            "platform, median epoch after the first",
                            Report.number(median, 2) + " s = " + Report.number(rows / median, 0) + " examples/s, "
                                    + percent(inProcessMedian / median) + " of in process's median epoch"));
                }
                JsonNode history = platform.job.path("result").path("history");
                if (history.size() > 0) {
                    JsonNode last = history.get(history.size() - 1);
                    double accuracy = last.path("accuracy").asDouble();
                    table.add(row(
                            "platform, last epoch's training loss and accuracy",
                            Report.number(last.path("loss").asDouble(), 4) + ", " + Report.number(accuracy, 4)
                                    + " (in process " + Report.number(run.last().accuracy(), 4) + "; "
                                    + history.size() + " epochs in the history, version "
                                    + platform.job.path("result").path("version") + ", device "
                                    + platform.job.path("result").path("device").asText() + ")"));
                    table.add(row("platform's history against in process", sameHistory(history, run.epochs())));
                }
                table.add(row(
                        "**platform / Keras (" + Report.number(KERAS_EXAMPLES_PER_SECOND, 0) + " examples/s)**",
                        "**" + Report.number(rate / KERAS_EXAMPLES_PER_SECOND, 1) + "×** (the issue wants about "
                                + Report.number(KERAS_FACTOR_WANTED, 0) + "×: "
                                + Report.number(KERAS_FACTOR_WANTED * KERAS_EXAMPLES_PER_SECOND, 0) + " examples/s)"));
                double ratio = rate / inProcessRate;
                goal = "**Goal**: the platform's training job (startedAt → finishedAt) at ≥ 90 % of the in-process"
                        + " training's examples/s: " + percent(ratio) + ", " + (ratio >= 0.9 ? "met" : "missed") + ".";
            } else if (platform.status != null) {
                table.add(row("platform job", platform.status + ": " + platform.job.path("error")));
            }
            if (platform.failure != null) {
                table.add(row("platform run", "stopped: " + platform.failure));
            }
        }
        table.add(row(
                "reference: Keras, this kind of machine (given, not measured here)",
                Report.number(KERAS_EXAMPLES_PER_SECOND, 0) + " examples/s; in process is "
                        + Report.number(inProcessRate / KERAS_EXAMPLES_PER_SECOND, 1) + "×"));
        table.add(row(
                "reference: raw TensorFlow Java, this kind of machine (given, not measured here)",
                Report.number(RAW_TF_JAVA_EXAMPLES_PER_SECOND, 0) + " examples/s; in process is "
                        + percent(inProcessRate / RAW_TF_JAVA_EXAMPLES_PER_SECOND) + " of it"));
        report.table(List.of("measure", "value"), table);
        if (goal != null) {
            report.paragraph(goal);
        }
        return report;
    }

    /**
     * Whether the job's history has the in-process run's loss and accuracy at every epoch: the same seed, rows, order
     * and kernels should give the same numbers, so a difference means the two sides did not do the same work.
     */
    private static String sameHistory(JsonNode history, List<InProcessTraining.Epoch> epochs) {
        if (history.size() != epochs.size()) {
            return "differs: " + history.size() + " epochs, in process " + epochs.size();
        }
        double worst = 0;
        for (int i = 0; i < epochs.size(); i++) {
            InProcessTraining.Epoch e = epochs.get(i);
            double loss = Math.abs(history.get(i).path("loss").asDouble() - e.loss());
            double accuracy = Math.abs(history.get(i).path("accuracy").asDouble() - e.accuracy());
            worst = Math.max(worst, Math.max(loss, accuracy));
            if (!(loss <= HISTORY_TOLERANCE && accuracy <= HISTORY_TOLERANCE)) {
                return "differs at epoch " + e.epoch() + ": loss "
                        + history.get(i).path("loss") + ", accuracy "
                        + history.get(i).path("accuracy") + "; in process " + e.loss() + ", " + e.accuracy();
            }
        }
        return "the same loss and accuracy at every epoch (worst |Δ| " + String.format("%.1e", worst) + ")";
    }

    /** Each epoch's seconds on the platform: epoch 1 from {@code startedAt}, the others from the epoch before. */
    private static List<Double> platformEpochs(PlatformRun run) {
        List<Double> out = new ArrayList<>();
        Instant before = run.startedAt;
        for (Instant end : run.epochEnds) {
            out.add(seconds(before, end));
            before = end;
        }
        return out;
    }

    private static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e9;
    }

    private static String seconds(Stream<Double> values) {
        return values.map(s -> Report.number(s, 2)).collect(Collectors.joining(", ")) + " s";
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static List<String> row(String measure, String value) {
        return List.of(measure, value.replace('|', '/').replace('\n', ' '));
    }

    private static String percent(double ratio) {
        return Report.number(ratio * 100, 0) + " %";
    }
}
