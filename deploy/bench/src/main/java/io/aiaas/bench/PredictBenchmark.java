package io.aiaas.bench;

import io.aiaas.common.archive.SavedModelArchive;
import io.aiaas.infra.KafkaServer;
import io.aiaas.infra.fixtures.Digits;
import io.aiaas.local.Archives;
import io.aiaas.local.PlatformClient;
import io.aiaas.local.ServiceProcess;
import io.aiaas.local.ServiceProcess.Service;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 9's benchmark, everything side by side in one run: (a) the models called in this JVM with TensorFlow Java
 * alone; (b) the bare Kafka floor, a request-reply round trip through the platform's broker with no model; (c) Open
 * Inference Protocol infer through the gateway at 1, 16 and 64 closed-loop clients, with the latency the platform adds
 * over (a); (d) the 64-client run again on a worker with batching off; (e) upload finished → first successful
 * prediction of the new version; (f) the worker's resident memory over 100,000 predictions and 100 model load/evict
 * cycles.
 */
@Command(
        name = "predict",
        mixinStandardHelpOptions = true,
        description = "Online prediction: in process, the Kafka floor and OIP infer through the gateway side by side;"
                + " batching on and off, upload to first prediction, worker memory drift.")
final class PredictBenchmark implements Callable<Integer> {
    static final String MLP = "bench-mlp";
    static final String LARGE = "bench-large";

    /** One row of 784 FP32 values: the size of a single-row request's tensor, and of the floor's record. */
    static final int FLOOR_RECORD_BYTES = 3 * 1024;

    static final String UNBATCHED_ENV = "AIAAS_WORKER_PREDICT_MAX_BATCH_REQUESTS";
    static final String MAX_MODELS_ENV = "AIAAS_WORKER_MODEL_CACHE_MAX_MODELS";

    // Goals of issue 9.
    static final double GOAL_ADDED_P50_OVER_FLOOR_MS = 0.5;
    static final double GOAL_ADDED_P99_OVER_FLOOR_MS = 2.0;
    static final double GOAL_THROUGHPUT_64 = 5_000;
    static final double GOAL_BATCHING_RATIO = 3;
    static final double GOAL_COLD_START_SECONDS = 1;
    static final double GOAL_RSS_DRIFT_PERCENT = 5;

    /** Given by the issue for this kind of machine, not measured here. */
    static final String FLOOR_REFERENCE = "p50 1.5–1.8 ms, p99 9–13 ms";

    @Option(
            names = "--duration",
            defaultValue = "10",
            description = "Measured seconds of each step: in process, the Kafka floor, each client count"
                    + " (default ${DEFAULT-VALUE}).")
    int duration;

    @Option(names = "--warmup", defaultValue = "3", description = "Unmeasured seconds before each step.")
    int warmup;

    @Option(
            names = "--floor-warmup",
            defaultValue = "15",
            description = "Unmeasured seconds of round trips before the Kafka floor is measured: a broker's fetch path"
                    + " is slow until its JIT has compiled it (with 3 s the p50 came out 3–4× higher)"
                    + " (default ${DEFAULT-VALUE}).")
    int floorWarmup;

    @Option(
            names = "--jit-warmup",
            defaultValue = "60",
            description = "Unmeasured seconds of infer at 16 clients per model once a worker is up, before its steps:"
                    + " the platform is measured with its hot paths compiled (default ${DEFAULT-VALUE}).")
    int jitWarmup;

    @Option(
            names = "--clients",
            split = ",",
            defaultValue = "1,16,64",
            description = "Concurrent closed-loop clients per gateway step; the largest is the batching-off run's.")
    List<Integer> clients;

    @Option(
            names = "--large-model",
            split = ",",
            defaultValue = "784,1024,1024,10",
            description = "Layer widths of the larger dense model beside the seed's 784-64-64-10.")
    int[] largeWidths;

    @Option(names = "--seed", defaultValue = "7", description = "Seed of the inputs and the models' weights.")
    long seed;

    @Option(
            names = "--check-every",
            defaultValue = "16",
            description = "Every n-th answer under load is compared with the in-process output of its input.")
    int checkEvery;

    @Option(
            names = "--cold-starts",
            defaultValue = "5",
            description = "Uploads per model timed to the new version's first successful prediction.")
    int coldStarts;

    @Option(
            names = "--rss-predictions",
            defaultValue = "100000",
            description = "Predictions of the memory phase, after its warm-up.")
    long rssPredictions;

    @Option(
            names = "--rss-cycles",
            defaultValue = "100",
            description = "Model load/evict cycles of the memory phase, after its warm-up.")
    int rssCycles;

    @Option(
            names = "--rss-warmup-predictions",
            defaultValue = "20000",
            description = "Predictions before the memory phase's first sample.")
    long rssWarmupPredictions;

    @Option(
            names = "--rss-warmup-cycles",
            defaultValue = "10",
            description = "Load/evict cycles before the memory phase's first sample.")
    int rssWarmupCycles;

    @Option(
            names = "--rss-settle-chunks",
            defaultValue = "40",
            description = "After the fixed warm-up, at most this many more chunks (one cycle and a hundredth of the"
                    + " predictions each) until the worker's committed Java heap has not grown for three chunks:"
                    + " the first sample comes once the JVM has sized its heap to the load (default ${DEFAULT-VALUE}).")
    int rssSettleChunks;

    @Option(
            names = "--rss-max-models",
            defaultValue = "2",
            description = "The memory phase worker's model cache bound (" + MAX_MODELS_ENV + "): the served model and"
                    + " one of the rotating ones.")
    int rssMaxModels;

    @Option(names = "--rss-clients", defaultValue = "64", description = "Clients of the memory phase's predictions.")
    int rssClients;

    @Option(names = "--skip-in-process", description = "Skip (a); the added latency is then not computed.")
    boolean skipInProcess;

    @Option(names = "--skip-kafka", description = "Skip (b), the Kafka floor.")
    boolean skipKafka;

    @Option(
            names = "--skip-platform",
            description = "Skip (c)–(f): no platform is started; (b) runs on an embedded broker of its own.")
    boolean skipPlatform;

    @Option(names = "--skip-gateway", description = "Skip (c), infer through the gateway at each client count.")
    boolean skipGateway;

    @Option(names = "--skip-unbatched", description = "Skip (d), the run with batching off.")
    boolean skipUnbatched;

    @Option(names = "--skip-cold-start", description = "Skip (e), upload to first prediction.")
    boolean skipColdStart;

    @Option(names = "--skip-rss", description = "Skip (f), the worker's memory drift.")
    boolean skipRss;

    @Option(
            names = "--serve-timeout",
            defaultValue = "180",
            description = "Seconds a (re)started worker may take to give its first right answer for a model before the"
                    + " part stops; also bounds each cold start and load cycle (default ${DEFAULT-VALUE}).")
    int serveTimeout;

    @Option(names = "--out", defaultValue = "target/bench/predict.md", description = "Where the Markdown results go.")
    Path out;

    /** A model the benchmark serves: its platform name, its network, its export and its inputs' in-process outputs. */
    record Subject(String name, String label, DenseClassifier network, Path dir, List<float[]> expected) {}

    record InProcessRow(Subject subject, InProcessPredict.Timing single, InProcessPredict.Timing batch) {}

    /** One gateway step; {@code requestsPerRun} is the worker's mean over the step (warm-up included), if it says. */
    record GatewayRow(
            Subject subject,
            boolean batching,
            LoadGenerator.Result result,
            long checked,
            long wrong,
            String firstWrong,
            Double requestsPerRun,
            Map<String, Long> cpuMillis) {}

    /** Upload finished (201) → first 200 of the new version, checked against its in-process output. */
    record ColdStart(Subject subject, int version, double seconds, int attempts, Map<Integer, Integer> statuses) {}

    static final class Memory {
        long pid;
        int maxModels;
        final List<Long> samplesKib = new ArrayList<>();
        final List<Double> loadSeconds = new ArrayList<>();
        long predictions;
        long failed;
        long checked;
        long wrong;
        String firstWrong;
        Double loads;
        Double evictions;
        double seconds;
        /** Committed Java heap of the worker at the first and the last sample (KiB; -1 where unreadable). */
        long heapStartKib = -1;

        long heapEndKib = -1;
        /** Warm-up chunks run after the fixed warm-up until the committed heap held still. */
        int settleChunks;

        long startKib() {
            return samplesKib.get(0);
        }

        long endKib() {
            return samplesKib.get(samplesKib.size() - 1);
        }

        double driftPercent() {
            return (endKib() - startKib()) * 100.0 / startKib();
        }
    }

    /** What the run measured; lists stay empty where a part was skipped or stopped. */
    static final class Results {
        final List<InProcessRow> inProcess = new ArrayList<>();
        KafkaFloor.Run floor;
        final List<GatewayRow> gateway = new ArrayList<>();
        final List<ColdStart> coldStarts = new ArrayList<>();
        Memory memory;
        final List<String> failures = new ArrayList<>();
    }

    private interface Part {
        void run() throws Exception;
    }

    private final Results results = new Results();
    private List<float[]> inputs;

    @Override
    public Integer call() throws Exception {
        KafkaFloor.quietClientLogs();
        Path work = Files.createTempDirectory("aiaas-bench-predict");
        try {
            Digits digits = new Digits(seed);
            inputs = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                inputs.add(digits.next().pixels());
            }
            List<Subject> subjects = List.of(
                    subject(work, MLP, "seed MLP", new DenseClassifier(DenseClassifier.SEED_MLP, seed)),
                    subject(work, LARGE, "larger dense", new DenseClassifier(largeWidths, seed + 1)));
            if (!skipInProcess) {
                part("(a) in process", () -> inProcess(subjects));
            }
            if (skipPlatform) {
                if (!skipKafka) {
                    part("(b) Kafka floor", () -> {
                        BenchMain.log("starting an embedded Kafka broker for the floor (no platform)");
                        try (KafkaServer kafka = KafkaServer.start(null, 0, 512)) {
                            floor(kafka.bootstrapServers());
                        }
                    });
                }
            } else {
                part("platform", () -> onPlatform(subjects, work));
            }
            Report report = report();
            System.out.println(report.text());
            report.writeTo(out);
            BenchMain.log("results written to " + out.toAbsolutePath());
            boolean wrong = results.gateway.stream().anyMatch(r -> r.wrong > 0)
                    || (results.memory != null && results.memory.wrong > 0);
            return results.failures.isEmpty() && !wrong ? 0 : 1;
        } finally {
            SavedModelArchive.deleteTree(work);
        }
    }

    private void part(String name, Part part) {
        try {
            part.run();
        } catch (Exception | Error e) {
            BenchMain.log(name + " stopped: " + e);
            results.failures.add(name + ": " + e);
        }
    }

    /** Exports the model and computes its output for every input in process. */
    private Subject subject(Path work, String name, String label, DenseClassifier network) {
        Path dir = work.resolve(name);
        network.export(dir);
        return new Subject(name, label, network, dir, outputs(dir, network));
    }

    private List<float[]> outputs(Path dir, DenseClassifier network) {
        List<float[]> expected = new ArrayList<>();
        try (InProcessPredict model = new InProcessPredict(dir, network.features())) {
            for (float[] row : inputs) {
                expected.add(model.predict(row, 1));
            }
        }
        return expected;
    }

    // (a)

    private void inProcess(List<Subject> subjects) {
        Duration warm = Duration.ofSeconds(warmup);
        Duration measure = Duration.ofSeconds(duration);
        for (Subject s : subjects) {
            int features = s.network.features();
            float[][] singles = inputs.toArray(new float[0][]);
            float[][] batches = new float[8][];
            for (int b = 0; b < batches.length; b++) {
                batches[b] = new float[64 * features];
                for (int r = 0; r < 64; r++) {
                    System.arraycopy(inputs.get((b + r) % inputs.size()), 0, batches[b], r * features, features);
                }
            }
            try (InProcessPredict model = new InProcessPredict(s.dir, features)) {
                InProcessPredict.Timing single = model.time(singles, 1, warm, measure);
                BenchMain.log(String.format(
                        "(a) in process %s %s, batch 1: %,.0f calls/s, p50 %.3f ms, p99 %.3f ms",
                        s.label,
                        s.network.shape(),
                        single.callsPerSecond(),
                        single.percentileMillis(50),
                        single.percentileMillis(99)));
                InProcessPredict.Timing batch = model.time(batches, 64, warm, measure);
                BenchMain.log(String.format(
                        "(a) in process %s %s, batch 64: %,.0f examples/s, p50 %.3f ms, p99 %.3f ms per call",
                        s.label,
                        s.network.shape(),
                        batch.examplesPerSecond(),
                        batch.percentileMillis(50),
                        batch.percentileMillis(99)));
                results.inProcess.add(new InProcessRow(s, single, batch));
            }
        }
    }

    // (b)

    private void floor(String bootstrapServers) throws Exception {
        KafkaFloor.Run run = KafkaFloor.measure(
                bootstrapServers, FLOOR_RECORD_BYTES, Duration.ofSeconds(floorWarmup), Duration.ofSeconds(duration));
        BenchMain.log(String.format(
                "(b) Kafka floor, %,d-byte request-reply: %,d round trips, %,.0f/s, p50 %.3f ms, p99 %.3f ms"
                        + " (reference: %s)",
                run.recordBytes(),
                run.roundTrips(),
                run.roundTripsPerSecond(),
                run.percentileMillis(50),
                run.percentileMillis(99),
                FLOOR_REFERENCE));
        results.floor = run;
    }

    // (c)–(f)

    private void onPlatform(List<Subject> subjects, Path work) throws Exception {
        BenchMain.log("starting this build from " + BenchMain.repoRoot());
        try (BenchPlatform platform = BenchPlatform.start("after", BenchMain.repoRoot());
                LoadGenerator load = new LoadGenerator()) {
            for (Subject s : subjects) {
                int version = platform.uploadModel(s.name, s.dir);
                BenchMain.log("model " + s.name + " (" + s.network.shape() + ") version " + version + " uploaded");
            }
            if (!skipGateway) {
                part("(c) gateway", () -> {
                    WorkerProbe worker = new WorkerProbe(platform.runtime.service(Service.WORKER));
                    gatewaySteps(platform, load, worker, subjects, true, clients);
                });
            }
            if (!skipKafka) {
                // After (c), not at start: right after start-up the services and Keycloak still compile and
                // initialise, and a floor measured then came out several times higher than on the idle platform.
                part("(b) Kafka floor", () -> floor(platform.runtime.kafkaBootstrap()));
            }
            if (!skipColdStart) {
                part("(e) upload to first prediction", () -> coldStarts(platform, subjects, work));
            }
            if (!skipUnbatched) {
                part("(d) batching off", () -> {
                    platform.runtime.stopService(Service.WORKER);
                    try (ServiceProcess unbatched = platform.runtime.startReplica(
                            Service.WORKER, "worker-unbatched", Service.WORKER.heapMb(), Map.of(UNBATCHED_ENV, "1"))) {
                        gatewaySteps(
                                platform,
                                load,
                                new WorkerProbe(unbatched),
                                subjects,
                                false,
                                List.of(Collections.max(clients)));
                    }
                });
            }
            if (!skipRss) {
                part("(f) worker memory", () -> memory(platform, load, subjects.get(0), subjects.get(1), work));
            }
        }
    }

    /** Where each gateway step's CPU went: milliseconds of CPU per answered prediction, by process. */
    private void cpuTable(Report report) {
        List<List<String>> rows = new ArrayList<>();
        for (GatewayRow row : results.gateway) {
            long answered = row.result.completed();
            if (answered == 0) {
                continue;
            }
            List<String> cells = new ArrayList<>();
            cells.add(model(row.subject) + (row.batching ? "" : ", **batching off**"));
            cells.add(Integer.toString(row.result.clients()));
            long total = 0;
            for (String part : CpuProbe.PARTS) {
                long millis = row.cpuMillis.getOrDefault(part, 0L);
                total += millis;
                cells.add(Report.number((double) millis / answered, 3));
            }
            cells.add(Report.number((double) total / answered, 3));
            cells.add(Report.number(total / 1000.0 / row.result.seconds(), 2));
            rows.add(cells);
        }
        if (rows.isEmpty()) {
            return;
        }
        List<String> header = new ArrayList<>(List.of("model", "clients"));
        CpuProbe.PARTS.forEach(part -> header.add(part));
        header.add("total CPU ms per prediction");
        header.add("cores busy");
        report.paragraph(
                "**Where the CPU goes** (CPU milliseconds per answered prediction, by process, over each measured"
                        + " gateway step; `utime + stime` of `/proc/<pid>/stat`; the machine has 2 cores):");
        report.table(header, rows);
    }

    private InferCalls calls(BenchPlatform platform, Subject s, Integer version) {
        return new InferCalls(s.name, version, platform.apiKey, inputs, s.expected, checkEvery);
    }

    /**
     * Warms the worker up on each model (until it answers, then {@code --jit-warmup} s at 16 clients), then runs each
     * client count for {@code --warmup} + {@code --duration} s.
     */
    private void gatewaySteps(
            BenchPlatform platform,
            LoadGenerator load,
            WorkerProbe worker,
            List<Subject> subjects,
            boolean batching,
            List<Integer> clientCounts)
            throws Exception {
        String mode = batching ? "batching on" : "batching off";
        for (Subject s : subjects) {
            double seconds =
                    awaitAnswer(platform, s.name, null, inputs.get(0), s.expected.get(0), serveTimeout).seconds;
            BenchMain.log(String.format("%s: %s answers (%.2f s)", mode, s.name, seconds));
            if (jitWarmup > 0) {
                LoadGenerator.Result r = load.run(
                        platform.gatewayUrl(),
                        calls(platform, s, null),
                        200,
                        16,
                        Duration.ZERO,
                        Duration.ofSeconds(jitWarmup));
                BenchMain.log(String.format(
                        "(warm-up) %s %s 16 clients: %.0f/s, %d failed %s",
                        mode, s.name, r.throughput(), r.failed(), r.statuses()));
            }
        }
        for (Subject s : subjects) {
            for (int n : clientCounts) {
                InferCalls calls = calls(platform, s, null);
                Optional<Double> runs0 = worker.metric("aiaas_worker_predict_batch_requests_count");
                Optional<Double> requests0 = worker.metric("aiaas_worker_predict_batch_requests_sum");
                // CPU is read when the measured window opens (the warm-up's end) and when it closes
                CpuProbe cpu = new CpuProbe(platform.runtime);
                CompletableFuture<Map<String, Long>> cpuAtStart = CompletableFuture.supplyAsync(
                        cpu::sample, CompletableFuture.delayedExecutor(warmup, TimeUnit.SECONDS));
                LoadGenerator.Result r = load.run(
                        platform.gatewayUrl(), calls, 200, n, Duration.ofSeconds(warmup), Duration.ofSeconds(duration));
                Map<String, Long> cpuMillis = CpuProbe.used(cpuAtStart.join(), cpu.sample());
                Optional<Double> runs1 = worker.metric("aiaas_worker_predict_batch_requests_count");
                Optional<Double> requests1 = worker.metric("aiaas_worker_predict_batch_requests_sum");
                Double perRun = null;
                if (runs0.isPresent() && runs1.isPresent() && requests0.isPresent() && requests1.isPresent()) {
                    double runs = runs1.get() - runs0.get();
                    perRun = runs > 0 ? (requests1.get() - requests0.get()) / runs : null;
                }
                BenchMain.log(String.format(
                        "%s %s %d clients: %,.0f/s p50 %.2f ms p99 %.2f ms, %d failed %s; %d answers checked, %d wrong%s;"
                                + " requests per worker run %s",
                        mode,
                        s.name,
                        n,
                        r.throughput(),
                        r.percentileMillis(50),
                        r.percentileMillis(99),
                        r.failed(),
                        r.statuses(),
                        calls.checked(),
                        calls.wrong(),
                        calls.firstWrong() == null ? "" : " (" + calls.firstWrong() + ")",
                        perRun == null ? "n/a" : String.format(Locale.ROOT, "%.1f", perRun)));
                results.gateway.add(new GatewayRow(
                        s, batching, r, calls.checked(), calls.wrong(), calls.firstWrong(), perRun, cpuMillis));
            }
        }
    }

    /** How one sequence of calls ended in a 200 with the right answer. */
    record Answered(double seconds, int attempts, Map<Integer, Integer> statuses) {}

    /**
     * Sends infer for {@code row} back to back until one answers 200, then checks that answer against {@code want};
     * timed from now to that answer. Fails after {@code timeoutSeconds} or on a wrong answer.
     */
    private static Answered awaitAnswer(
            BenchPlatform platform, String model, Integer version, float[] row, float[] want, int timeoutSeconds)
            throws Exception {
        byte[] body = InferCalls.body(row).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String path = InferCalls.path(model, version);
        Map<Integer, Integer> statuses = new TreeMap<>();
        long start = System.nanoTime();
        long deadline = start + Duration.ofSeconds(timeoutSeconds).toNanos();
        int attempts = 0;
        while (true) {
            PlatformClient.Reply reply;
            try {
                reply = platform.client.send("POST", path, platform.apiKey, "application/json", body);
            } catch (java.io.IOException e) {
                reply = null;
            }
            attempts++;
            int status = reply == null ? -1 : reply.status();
            statuses.merge(status, 1, Integer::sum);
            if (status == 200) {
                double seconds = (System.nanoTime() - start) / 1e9;
                String problem = InferCalls.problem(reply.body(), want);
                if (problem != null) {
                    throw new IllegalStateException(path + " answered wrong: " + problem);
                }
                return new Answered(seconds, attempts, statuses);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(path + " did not answer 200 within " + timeoutSeconds + " s: "
                        + statuses + (reply == null ? "" : ", last " + reply));
            }
        }
    }

    // (e)

    private void coldStarts(BenchPlatform platform, List<Subject> subjects, Path work) throws Exception {
        for (Subject s : subjects) {
            String name = s.name + "-cold";
            platform.createModel(name);
            for (int i = 1; i <= coldStarts; i++) {
                DenseClassifier network = s.network.withSeed(s.network.seed() * 1_000 + i);
                Path dir = work.resolve(name + "-" + i);
                network.export(dir);
                float[] want = outputs(dir, network).get(0);
                byte[] zip = Archives.zip(dir);
                SavedModelArchive.deleteTree(dir);
                int version = platform.uploadVersion(name, zip);
                // Timed from the 201: the upload itself is not part of the cold start.
                Answered answered = awaitAnswer(platform, name, version, inputs.get(0), want, serveTimeout);
                BenchMain.log(String.format(
                        "(e) %s version %d: first right answer %.3f s after the upload's 201 (%d calls: %s)",
                        name, version, answered.seconds, answered.attempts, answered.statuses));
                results.coldStarts.add(
                        new ColdStart(s, version, answered.seconds, answered.attempts, answered.statuses));
                Thread.sleep(500);
            }
        }
    }

    // (f)

    private void memory(BenchPlatform platform, LoadGenerator load, Subject served, Subject rotated, Path work)
            throws Exception {
        // Four versions of two models of the larger network, visited in turn: with room for two models, each visit
        // loads one and evicts the one visited before (the served model is used in between, so it stays).
        List<String> names = List.of(rotated.name + "-rss-a", rotated.name + "-rss-b");
        List<String[]> rotation = new ArrayList<>();
        List<float[]> rotationWant = new ArrayList<>();
        for (String name : names) {
            platform.createModel(name);
        }
        for (int v = 0; v < 2; v++) {
            for (int m = 0; m < names.size(); m++) {
                DenseClassifier network = rotated.network.withSeed(rotated.network.seed() * 7_919 + m * 10 + v);
                Path dir = work.resolve(names.get(m) + "-" + v);
                network.export(dir);
                rotationWant.add(outputs(dir, network).get(0));
                int version = platform.uploadVersion(names.get(m), Archives.zip(dir));
                SavedModelArchive.deleteTree(dir);
                rotation.add(new String[] {names.get(m), Integer.toString(version)});
            }
        }
        platform.runtime.stopService(Service.WORKER);
        Memory memory = new Memory();
        memory.maxModels = rssMaxModels;
        try (ServiceProcess worker = platform.runtime.startReplica(
                Service.WORKER,
                "worker-memory",
                Service.WORKER.heapMb(),
                Map.of(MAX_MODELS_ENV, Integer.toString(rssMaxModels)))) {
            WorkerProbe probe = new WorkerProbe(worker);
            memory.pid = probe.pid();
            BenchMain.log(String.format(
                    "(f) worker pid %d with %s=%d started: RSS %,d KiB, models loaded %s",
                    memory.pid,
                    MAX_MODELS_ENV,
                    rssMaxModels,
                    probe.rssKib(),
                    probe.metric("aiaas_worker_models_loaded")
                            .map(String::valueOf)
                            .orElse("n/a")));
            awaitAnswer(platform, served.name, null, inputs.get(0), served.expected.get(0), serveTimeout);
            InferCalls calls = calls(platform, served, null);
            int[] visit = {0};
            Part cycle = () -> {
                int i = visit[0]++ % rotation.size();
                String[] model = rotation.get(i);
                Answered answered = awaitAnswer(
                        platform,
                        model[0],
                        Integer.parseInt(model[1]),
                        inputs.get(0),
                        rotationWant.get(i),
                        serveTimeout);
                memory.loadSeconds.add(answered.seconds);
            };
            BenchMain.log(String.format(
                    "(f) warm-up: %,d predictions and %d load/evict cycles", rssWarmupPredictions, rssWarmupCycles));
            LoadGenerator.Result warm = load.runCount(
                    platform.gatewayUrl(), calls, 200, rssClients, rssWarmupPredictions, Duration.ofMinutes(30));
            for (int c = 0; c < rssWarmupCycles; c++) {
                cycle.run();
            }
            // G1 grows the heap to the load it sees, in steps; a first sample taken before that is done would count
            // the heap's growth as drift. Chunks of the same work go on until the committed heap holds still.
            long chunk = Math.max(1, rssPredictions / rssCycles);
            long heap = committedHeapKib(memory.pid);
            int still = 0;
            while (memory.settleChunks < rssSettleChunks && still < 3) {
                cycle.run();
                load.runCount(platform.gatewayUrl(), calls, 200, rssClients, chunk, Duration.ofMinutes(30));
                memory.settleChunks++;
                long now = committedHeapKib(memory.pid);
                still = now <= heap ? still + 1 : 0;
                heap = Math.max(heap, now);
            }
            memory.loadSeconds.clear();
            BenchMain.log(String.format(
                    "(f) warm-up done (%,.0f/s, %d failed, %d chunks more until the heap held still at %,d KiB);"
                            + " worker pid %d RSS %,d KiB",
                    warm.throughput(), warm.failed(), memory.settleChunks, heap, memory.pid, probe.rssKib()));
            memory.samplesKib.add(probe.rssKib());
            memory.heapStartKib = committedHeapKib(memory.pid);
            Optional<Double> loads0 = probe.metric("aiaas_worker_models_loads_total");
            Optional<Double> evicted0 = probe.metric("aiaas_worker_models_evicted_total");
            long checked0 = calls.checked();
            long wrong0 = calls.wrong();
            long start = System.nanoTime();
            for (int c = 0; c < rssCycles; c++) {
                cycle.run();
                long share = rssPredictions / rssCycles + (c < rssPredictions % rssCycles ? 1 : 0);
                LoadGenerator.Result r =
                        load.runCount(platform.gatewayUrl(), calls, 200, rssClients, share, Duration.ofMinutes(30));
                memory.predictions += r.completed();
                memory.failed += r.failed();
                memory.samplesKib.add(probe.rssKib());
                if ((c + 1) % 10 == 0) {
                    BenchMain.log(String.format(
                            "(f) %d of %d cycles, %,d predictions: RSS %,d KiB",
                            c + 1, rssCycles, memory.predictions, memory.endKib()));
                }
            }
            memory.seconds = (System.nanoTime() - start) / 1e9;
            memory.heapEndKib = committedHeapKib(memory.pid);
            memory.checked = calls.checked() - checked0;
            memory.wrong = calls.wrong() - wrong0;
            memory.firstWrong = calls.firstWrong();
            Optional<Double> loads1 = probe.metric("aiaas_worker_models_loads_total");
            Optional<Double> evicted1 = probe.metric("aiaas_worker_models_evicted_total");
            memory.loads = loads0.isPresent() && loads1.isPresent() ? loads1.get() - loads0.get() : null;
            memory.evictions = evicted0.isPresent() && evicted1.isPresent() ? evicted1.get() - evicted0.get() : null;
            results.memory = memory;
            BenchMain.log(String.format(
                    "(f) RSS %,d → %,d KiB (%+.1f %%), %,d predictions (%d failed), %d cycles; loads %s, evictions %s",
                    memory.startKib(),
                    memory.endKib(),
                    memory.driftPercent(),
                    memory.predictions,
                    memory.failed,
                    rssCycles,
                    memory.loads,
                    memory.evictions));
        }
    }

    /**
     * The committed Java heap of a JVM, through {@code jcmd <pid> GC.heap_info} (its {@code total} figure), in KiB; -1
     * when it cannot be read.
     */
    static long committedHeapKib(long pid) {
        try {
            Process p = new ProcessBuilder("jcmd", Long.toString(pid), "GC.heap_info")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return heapTotalKib(out);
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static final Pattern HEAP_TOTAL = Pattern.compile("heap\\s+total (\\d+)K");

    /** The {@code total} of the first heap line of {@code GC.heap_info} output, in KiB; -1 when there is none. */
    static long heapTotalKib(String heapInfo) {
        Matcher m = HEAP_TOTAL.matcher(heapInfo);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    // The report

    private Report report() {
        Report report = new Report("Online prediction (issue 9)", command());
        report.paragraph(method());
        List<List<String>> table = new ArrayList<>();
        for (InProcessRow row : results.inProcess) {
            InProcessPredict.Timing single = row.single;
            InProcessPredict.Timing batch = row.batch;
            table.add(List.of(
                    "in process, `Session.runner()`",
                    model(row.subject),
                    "batch 1",
                    Report.number(single.callsPerSecond(), 0),
                    Report.number(single.percentileMillis(50), 3),
                    Report.number(single.percentileMillis(99), 3),
                    "",
                    "",
                    "",
                    ""));
            table.add(List.of(
                    "in process, `Session.runner()`",
                    model(row.subject),
                    "batch 64",
                    Report.number(batch.examplesPerSecond(), 0),
                    Report.number(batch.percentileMillis(50), 3) + " per call",
                    Report.number(batch.percentileMillis(99), 3) + " per call",
                    "",
                    "",
                    "",
                    ""));
        }
        if (results.floor != null) {
            KafkaFloor.Run f = results.floor;
            table.add(List.of(
                    "Kafka floor: " + Report.number(f.recordBytes(), 0) + "-byte request–reply, no model",
                    "–",
                    "1",
                    Report.number(f.roundTripsPerSecond(), 0) + " round trips/s",
                    Report.number(f.percentileMillis(50), 3),
                    Report.number(f.percentileMillis(99), 3),
                    "",
                    "",
                    "",
                    ""));
        }
        for (GatewayRow row : results.gateway) {
            LoadGenerator.Result r = row.result;
            String added = "";
            InProcessRow in = inProcess(row.subject);
            if (row.batching && r.clients() == 1 && in != null) {
                added = "+" + Report.number(r.percentileMillis(50) - in.single.percentileMillis(50), 3) + " / +"
                        + Report.number(r.percentileMillis(99) - in.single.percentileMillis(99), 3);
            }
            table.add(List.of(
                    "gateway, OIP infer, " + (row.batching ? "batching on" : "**batching off**"),
                    model(row.subject),
                    Integer.toString(r.clients()),
                    Report.number(r.throughput(), 0),
                    Report.number(r.percentileMillis(50), 3),
                    Report.number(r.percentileMillis(99), 3),
                    added,
                    row.requestsPerRun == null ? "n/a" : Report.number(row.requestsPerRun, 1),
                    Long.toString(r.failed()),
                    row.checked + (row.wrong == 0 ? ", all right" : ", **" + row.wrong + " wrong**")));
        }
        report.paragraph("**Side by side** (latency in ms; predictions/s are examples/s at batch 64):");
        report.table(
                List.of(
                        "path",
                        "model",
                        "clients",
                        "predictions/s",
                        "p50 ms",
                        "p99 ms",
                        "added over in process, p50 / p99 ms",
                        "requests per worker run",
                        "failed",
                        "answers checked"),
                table);
        cpuTable(report);
        if (!results.coldStarts.isEmpty()) {
            List<List<String>> cold = new ArrayList<>();
            for (Subject s : subjectsOf(
                    results.coldStarts.stream().map(ColdStart::subject).toList())) {
                List<ColdStart> runs = results.coldStarts.stream()
                        .filter(c -> c.subject.equals(s))
                        .toList();
                List<Double> seconds =
                        runs.stream().map(ColdStart::seconds).sorted().toList();
                cold.add(List.of(
                        model(s),
                        Integer.toString(runs.size()),
                        String.join(
                                ", ",
                                runs.stream()
                                        .map(c -> Report.number(c.seconds, 3))
                                        .toList()),
                        Report.number(median(seconds), 3),
                        Report.number(seconds.get(seconds.size() - 1), 3),
                        String.join(
                                ", ",
                                runs.stream().map(c -> c.statuses.toString()).toList())));
            }
            report.paragraph("**Upload finished → first successful prediction of the new version** (s):");
            report.table(List.of("model", "uploads", "each", "median", "max", "answers before the first 200"), cold);
        }
        if (results.memory != null) {
            Memory m = results.memory;
            long min = Collections.min(m.samplesKib);
            long max = Collections.max(m.samplesKib);
            List<List<String>> rows = new ArrayList<>();
            rows.add(List.of("RSS after warm-up", mib(m.startKib())));
            rows.add(List.of("RSS at the end", mib(m.endKib())));
            rows.add(List.of("RSS lowest / highest sample", mib(min) + " / " + mib(max)));
            rows.add(List.of("**drift**", String.format(Locale.ROOT, "**%+.1f %%**", m.driftPercent())));
            rows.add(List.of(
                    "committed Java heap, first / last sample",
                    (m.heapStartKib < 0 ? "n/a" : mib(m.heapStartKib)) + " / "
                            + (m.heapEndKib < 0 ? "n/a" : mib(m.heapEndKib))));
            rows.add(List.of(
                    "warm-up chunks after the fixed warm-up",
                    m.settleChunks + " (until the committed heap held still for three, at most " + rssSettleChunks
                            + ")"));
            rows.add(List.of(
                    "predictions",
                    Report.number(m.predictions, 0) + " (" + m.failed + " failed; " + m.checked + " checked, "
                            + (m.wrong == 0 ? "all right" : m.wrong + " wrong") + ")"));
            rows.add(List.of(
                    "load/evict cycles",
                    rssCycles + " (worker counted " + count(m.loads) + " loads, " + count(m.evictions)
                            + " evictions); first answer of a freshly loaded version: median "
                            + Report.number(
                                    median(m.loadSeconds.stream().sorted().toList()), 3) + " s"));
            rows.add(List.of("duration", Report.number(m.seconds, 1) + " s"));
            report.paragraph("**Worker memory** (`VmRSS` of the worker's JVM, pid " + m.pid + ", sampled after each"
                    + " cycle; model cache bound " + m.maxModels + "):");
            report.table(List.of("measure", "value"), rows);
        }
        report.paragraph("**Goals:**");
        report.table(List.of("model", "goal", "target", "measured", ""), goals());
        if (!results.failures.isEmpty()) {
            report.paragraph("**Stopped parts:** "
                    + String.join("; ", results.failures).replace('|', '/').replace('\n', ' '));
        }
        return report;
    }

    private String command() {
        StringBuilder s = new StringBuilder("./aiaas-bench predict --duration " + duration);
        if (!clients.equals(List.of(1, 16, 64))) {
            s.append(" --clients ")
                    .append(String.join(
                            ",", clients.stream().map(String::valueOf).toList()));
        }
        for (var skip : List.of(
                Map.entry("--skip-in-process", skipInProcess),
                Map.entry("--skip-kafka", skipKafka),
                Map.entry("--skip-platform", skipPlatform),
                Map.entry("--skip-gateway", skipGateway),
                Map.entry("--skip-unbatched", skipUnbatched),
                Map.entry("--skip-cold-start", skipColdStart),
                Map.entry("--skip-rss", skipRss))) {
            if (skip.getValue()) {
                s.append(' ').append(skip.getKey());
            }
        }
        return s.toString();
    }

    private String method() {
        return String.format(
                Locale.ROOT,
                "Two softmax classifiers exported as SavedModels (`serving_default`, input `x` FP32 [-1, 784]):"
                        + " the seed's MLP 784-64-64-10 and a larger dense %s; 64 synthetic digits as inputs (seed %d)."
                        + " **(a) In process**: this JVM alone, a plain single-threaded `Session.runner()` loop on a"
                        + " session of one intra-op and one inter-op thread (as the worker's), input tensor made and"
                        + " output copied inside each call; %d s warm-up, %d s measured, per model and batch size."
                        + " **(b) Kafka floor**: sequential round trips of a %,d-byte record between two plain Kafka"
                        + " clients through %s (`KafkaSettings.latencyProducer/latencyConsumer`,"
                        + " two topics of one partition made for the run): a requester produces and waits for the"
                        + " reply, an echoer consumes and produces it back; %d s warm-up, %d s measured; reference for"
                        + " this machine kind %s."
                        + " **(c) Gateway**: `POST /v2/models/{name}/infer`, one row of 784 FP32 values per request,"
                        + " API key of a tenant whose plan does not bind, closed loop (each client sends its next"
                        + " request when the answer is read), after %d s at 16 clients per model to warm the JIT; each"
                        + " step %d s warm-up and %d s measured; every %d-th answer compared with the in-process output"
                        + " for the same input (within %.0e). Added latency = the gateway's percentile at one client"
                        + " minus the in-process one at batch 1. **(d) Batching off**: the largest client count again on"
                        + " a worker restarted with `%s=1`. **(e) Cold start**: a new version uploaded"
                        + " (`POST /v1/models/{name}/versions`), then `/v2/models/{name}/versions/{v}/infer` sent back"
                        + " to back from the 201 to the first 200 (its answer checked), %d times per model."
                        + " **(f) Worker memory**: a worker restarted with `%s=%d`; after %,d predictions and %d"
                        + " load/evict cycles of warm-up, and then chunks of the same work until its committed Java"
                        + " heap has held still for three chunks, %,d predictions of the seed MLP (%d clients) and %d cycles,"
                        + " each cycle a prediction on the next of four versions of the larger network (two models,"
                        + " two versions each), so each loads one and evicts another.",
                largeNetwork().shape(),
                seed,
                warmup,
                duration,
                FLOOR_RECORD_BYTES,
                skipPlatform ? "an embedded broker of its own (no platform started)" : "the platform's broker",
                floorWarmup,
                duration,
                FLOOR_REFERENCE,
                jitWarmup,
                warmup,
                duration,
                checkEvery,
                InferCalls.TOLERANCE,
                UNBATCHED_ENV,
                coldStarts,
                MAX_MODELS_ENV,
                rssMaxModels,
                rssWarmupPredictions,
                rssWarmupCycles,
                rssPredictions,
                rssClients,
                rssCycles);
    }

    private DenseClassifier largeNetwork() {
        return new DenseClassifier(largeWidths, seed + 1);
    }

    private List<List<String>> goals() {
        List<List<String>> rows = new ArrayList<>();
        KafkaFloor.Run floor = results.floor;
        for (String name : List.of(MLP, LARGE)) {
            InProcessRow in = results.inProcess.stream()
                    .filter(r -> r.subject.name.equals(name))
                    .findFirst()
                    .orElse(null);
            GatewayRow one = gatewayRow(name, true, 1);
            GatewayRow on64 = gatewayRow(name, true, 64);
            GatewayRow off64 = gatewayRow(name, false, 64);
            String label = name.equals(MLP) ? "seed MLP" : "larger dense";
            if (in != null && one != null && floor != null) {
                double added50 = one.result.percentileMillis(50) - in.single.percentileMillis(50);
                double added99 = one.result.percentileMillis(99) - in.single.percentileMillis(99);
                double limit50 = floor.percentileMillis(50) + GOAL_ADDED_P50_OVER_FLOOR_MS;
                double limit99 = floor.percentileMillis(99) + GOAL_ADDED_P99_OVER_FLOOR_MS;
                rows.add(goal(
                        label,
                        "added latency at one client, p50",
                        "≤ floor + 0.5 = " + Report.number(limit50, 3) + " ms",
                        Report.number(added50, 3) + " ms",
                        added50 <= limit50));
                rows.add(goal(
                        label,
                        "added latency at one client, p99",
                        "≤ floor + 2 = " + Report.number(limit99, 3) + " ms",
                        Report.number(added99, 3) + " ms",
                        added99 <= limit99));
            } else {
                rows.add(List.of(label, "added latency at one client", "≤ floor + 0.5 / + 2 ms", "not measured", ""));
            }
            if (on64 != null) {
                double t = on64.result.throughput();
                rows.add(goal(
                        label,
                        "throughput, 64 clients",
                        "≥ 5,000 predictions/s",
                        Report.number(t, 0) + "/s",
                        t >= GOAL_THROUGHPUT_64));
            } else {
                rows.add(List.of(label, "throughput, 64 clients", "≥ 5,000 predictions/s", "not measured", ""));
            }
            if (on64 != null && off64 != null) {
                double ratio = on64.result.throughput() / off64.result.throughput();
                rows.add(goal(
                        label,
                        "batching on / off, 64 clients",
                        "≥ 3×",
                        Report.number(ratio, 2) + "× (" + Report.number(on64.result.throughput(), 0) + " / "
                                + Report.number(off64.result.throughput(), 0) + ")",
                        ratio >= GOAL_BATCHING_RATIO));
            } else {
                rows.add(List.of(label, "batching on / off, 64 clients", "≥ 3×", "not measured", ""));
            }
            List<Double> cold = results.coldStarts.stream()
                    .filter(c -> c.subject.name.equals(name))
                    .map(ColdStart::seconds)
                    .sorted()
                    .toList();
            if (!cold.isEmpty()) {
                double max = cold.get(cold.size() - 1);
                rows.add(goal(
                        label,
                        "upload finished → first prediction (every upload)",
                        "≤ 1 s",
                        "median " + Report.number(median(cold), 3) + " s, max " + Report.number(max, 3) + " s",
                        max <= GOAL_COLD_START_SECONDS));
            } else {
                rows.add(List.of(label, "upload finished → first prediction", "≤ 1 s", "not measured", ""));
            }
        }
        Memory m = results.memory;
        if (m != null) {
            rows.add(goal(
                    "worker",
                    "RSS drift over " + Report.number(m.predictions, 0) + " predictions and " + rssCycles
                            + " load/evict cycles",
                    "≤ 5 %",
                    String.format(Locale.ROOT, "%+.1f %%", m.driftPercent()),
                    Math.abs(m.driftPercent()) <= GOAL_RSS_DRIFT_PERCENT));
        } else {
            rows.add(List.of("worker", "RSS drift", "≤ 5 %", "not measured", ""));
        }
        return rows;
    }

    private static List<String> goal(String model, String what, String target, String measured, boolean met) {
        return List.of(model, what, target, measured, met ? "met" : "**missed**");
    }

    private GatewayRow gatewayRow(String name, boolean batching, int clientCount) {
        return results.gateway.stream()
                .filter(r -> r.subject.name.equals(name) && r.batching == batching && r.result.clients() == clientCount)
                .findFirst()
                .orElse(null);
    }

    private InProcessRow inProcess(Subject s) {
        return results.inProcess.stream()
                .filter(r -> r.subject.equals(s))
                .findFirst()
                .orElse(null);
    }

    private static List<Subject> subjectsOf(List<Subject> all) {
        List<Subject> distinct = new ArrayList<>();
        for (Subject s : all) {
            if (!distinct.contains(s)) {
                distinct.add(s);
            }
        }
        return distinct;
    }

    private static String model(Subject s) {
        return s.label + " " + s.network.shape();
    }

    private static double median(List<Double> sorted) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String mib(long kib) {
        return Report.number(kib / 1024.0, 1) + " MiB";
    }

    private static String count(Double value) {
        return value == null ? "n/a" : Report.number(value, 0);
    }
}
