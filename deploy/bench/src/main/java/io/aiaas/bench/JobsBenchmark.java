package io.aiaas.bench;

import io.aiaas.common.archive.SavedModelArchive;
import io.aiaas.infra.fixtures.DenseSavedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Inline inference jobs end to end through the gateway: submitted, dispatched, run by the worker, applied, and seen
 * {@code succeeded} by the tenant. Beside it, the same model run in this process with TensorFlow Java alone (what a
 * job costs without the platform).
 */
@Command(
        name = "jobs",
        mixinStandardHelpOptions = true,
        description = "Inline inference jobs end to end: jobs/s and submit-to-succeeded latency.")
final class JobsBenchmark implements Callable<Integer> {
    private static final float[][] WEIGHTS = {{1f, 0f, 0.5f}, {0f, 1f, 0.5f}, {1f, 1f, 0f}, {-1f, 0f, 2f}};
    private static final float[] BIAS = {0.5f, -1f, 0f};
    private static final String JOB = "{\"type\":\"inference\",\"model\":\"" + BenchPlatform.MODEL
            + "\",\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[1,2,3,4]}]}";

    @Option(
            names = "--before",
            description = "Checkout of an earlier build whose services are packaged (mvnw package -DskipTests); "
                    + "measured first, beside this one.")
    Path before;

    @Option(names = "--seconds", defaultValue = "10", description = "Measured seconds per step.")
    int seconds;

    @Option(names = "--warmup", defaultValue = "3", description = "Unmeasured seconds before each step.")
    int warmup;

    @Option(
            names = "--jit-warmup",
            defaultValue = "20",
            description = "Unmeasured seconds at 16 clients once a build is up, before any step.")
    int jitWarmup;

    @Option(names = "--clients", split = ",", defaultValue = "1,16,64", description = "Concurrent clients per step.")
    List<Integer> clients;

    @Option(names = "--out", defaultValue = "target/bench/jobs.md", description = "Where the Markdown results go.")
    Path out;

    private record Row(String build, LoadGenerator.Result result, String stages) {}

    @Override
    public Integer call() throws Exception {
        double[] inProcess = inProcessBaseline();
        BenchMain.log(
                String.format("in process: %.3f ms per run at batch 1 (p50), %.0f runs/s", inProcess[0], inProcess[1]));
        Map<String, Path> builds = new LinkedHashMap<>();
        if (before != null) {
            builds.put("before", before.toAbsolutePath().normalize());
        }
        builds.put("after", BenchMain.repoRoot());
        List<Row> rows = new ArrayList<>();
        for (var build : builds.entrySet()) {
            BenchMain.log("starting the " + build.getKey() + " build from " + build.getValue());
            try (BenchPlatform platform = BenchPlatform.start(build.getKey(), build.getValue());
                    JobLoad load =
                            new JobLoad(build.getKey().equals("before") ? JobLoad.Watch.POLL : JobLoad.Watch.EVENTS)) {
                step(load, platform, 16, Duration.ofSeconds(jitWarmup), null);
                for (int n : clients) {
                    step(load, platform, n, Duration.ofSeconds(seconds), rows);
                }
            }
        }
        Report report = new Report(
                "Jobs: inline inference end to end",
                "./aiaas-bench jobs" + (before == null ? "" : " --before <earlier build>") + " --seconds " + seconds);
        report.paragraph("Closed loop through the gateway: each client submits `POST /v1/jobs` (inline inference of one"
                + " row of the 4→3 dense model), follows the job's event stream (`GET /v1/jobs/{id}/events`) until it"
                + " ends after the status `succeeded`, then submits the next. Latency is from sending the submission to"
                + " the end of that stream. The earlier build has no event streams: its clients read"
                + " `GET /v1/jobs/{id}` after 1, 2, 4, 8, then every 16 ms until it shows `succeeded`. One worker, the plan's "
                + "`concurrentJobs` (1,000) does not bind. Each build first runs " + jitWarmup
                + " s at 16 clients, then each row has " + warmup + " s of warm-up and " + seconds + " s measured.");
        List<List<String>> table = new ArrayList<>();
        for (Row row : rows) {
            LoadGenerator.Result r = row.result;
            table.add(List.of(
                    row.build,
                    Integer.toString(r.clients()),
                    Report.number(r.throughput(), 0),
                    Report.number(r.percentileMillis(50), 1),
                    Report.number(r.percentileMillis(99), 1),
                    Long.toString(r.failed()),
                    row.stages));
        }
        report.table(List.of("build", "clients", "jobs/s", "p50 ms", "p99 ms", "failed", "stage medians (ms)"), table);
        report.paragraph(String.format(
                "**In-process baseline** (TensorFlow Java alone, this JVM, the same model, batch 1, one thread): "
                        + "%.3f ms per run (p50), %,.0f runs/s.",
                inProcess[0], inProcess[1]));
        report.paragraph(goals(rows));
        System.out.println(report.text());
        report.writeTo(out);
        BenchMain.log("results written to " + out.toAbsolutePath());
        return 0;
    }

    private void step(JobLoad load, BenchPlatform platform, int n, Duration measured, List<Row> rows) throws Exception {
        Instant from = Instant.now().plusSeconds(warmup);
        LoadGenerator.Result result =
                load.run(platform.gatewayUrl(), platform.apiKey, JOB, n, Duration.ofSeconds(warmup), measured);
        String stages = stages(platform, from, from.plus(measured));
        BenchMain.log(String.format(
                "%s%s jobs %d clients: %.0f/s p50 %.1f ms p99 %.1f ms, %d failed %s",
                rows == null ? "(warm-up) " : "",
                platform.label,
                n,
                result.throughput(),
                result.percentileMillis(50),
                result.percentileMillis(99),
                result.failed(),
                result.statuses()));
        BenchMain.log("  stage medians: " + stages);
        if (rows != null) {
            rows.add(new Row(platform.label, result, stages));
        }
    }

    /**
     * Median milliseconds of each stage of the jobs submitted in {@code [from, to)}, from the job rows' own times:
     * created → dispatched (scheduler), dispatched → started (outbox relay, Kafka, worker intake, claim), started →
     * finished (the worker's run, as its result event says), finished → applied (the results transaction, Kafka,
     * model-service's apply). Builds before issue 6 keep no dispatch time: "n/a".
     */
    private static String stages(BenchPlatform platform, Instant from, Instant to) {
        var postgres = platform.runtime.postgres().orElse(null);
        if (postgres == null) {
            return "n/a";
        }
        String median = "percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM %s - %s) * 1000)";
        String sql = "SELECT " + median.formatted("dispatched_at", "created_at") + ", "
                + median.formatted("started_at", "dispatched_at") + ", " + median.formatted("finished_at", "started_at")
                + ", " + median.formatted("updated_at", "finished_at") + " FROM model.job WHERE status = 'succeeded'"
                + " AND created_at >= ? AND created_at < ?";
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), postgres.password());
                PreparedStatement statement = c.prepareStatement(sql)) {
            statement.setTimestamp(1, Timestamp.from(from));
            statement.setTimestamp(2, Timestamp.from(to));
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                String[] names = {"dispatch", "claim", "run", "apply"};
                List<String> parts = new ArrayList<>();
                for (int i = 0; i < names.length; i++) {
                    Object value = rs.getObject(i + 1);
                    parts.add(names[i] + " "
                            + (value == null ? "n/a" : String.format("%.0f", ((Number) value).doubleValue())));
                }
                return String.join(", ", parts);
            }
        } catch (SQLException e) {
            return "n/a";
        }
    }

    /** p50 milliseconds per run and runs per second of the model in this process, batch 1, after a warm-up. */
    private static double[] inProcessBaseline() throws Exception {
        Path dir = Files.createTempDirectory("aiaas-bench-inprocess");
        try {
            DenseSavedModel.export(dir.resolve("model"), WEIGHTS, BIAS);
            try (SavedModelBundle bundle =
                    SavedModelBundle.load(dir.resolve("model").toString(), DenseSavedModel.TAG)) {
                var function = bundle.function(DenseSavedModel.SIGNATURE);
                long[] samples = new long[20_000];
                for (int i = -5_000; i < samples.length; i++) {
                    long start = System.nanoTime();
                    try (TFloat32 x = TFloat32.tensorOf(Shape.of(1, 4), DataBuffers.of(new float[] {1f, 2f, 3f, 4f}));
                            var result = function.call(Map.of(DenseSavedModel.INPUT, x))) {
                        Tensor y = result.get(DenseSavedModel.OUTPUT).orElseThrow();
                        if (y.shape().size(1) != 3) {
                            throw new IllegalStateException("unexpected output " + y.shape());
                        }
                    }
                    if (i >= 0) {
                        samples[i] = System.nanoTime() - start;
                    }
                }
                long total = Arrays.stream(samples).sum();
                Arrays.sort(samples);
                return new double[] {samples[samples.length / 2] / 1e6, samples.length / (total / 1e9)};
            }
        } finally {
            SavedModelArchive.deleteTree(dir);
        }
    }

    private static String goals(List<Row> rows) {
        StringBuilder s = new StringBuilder("**Goals**: ");
        LoadGenerator.Result best = rows.stream()
                .filter(r -> r.build.equals("after"))
                .map(Row::result)
                .max((a, b) -> Double.compare(a.throughput(), b.throughput()))
                .orElse(null);
        if (best != null) {
            s.append(String.format(
                    "best throughput %.0f jobs/s at %d clients (goal ≥ 1,000: %s), p50 there %.1f ms (goal ≤ 50 ms: "
                            + "%s)",
                    best.throughput(),
                    best.clients(),
                    best.throughput() >= 1000 ? "met" : "missed",
                    best.percentileMillis(50),
                    best.percentileMillis(50) <= 50 ? "met" : "missed"));
        }
        return s.append('.').toString();
    }
}
