package io.aiaas.bench;

import io.aiaas.local.ServiceProcess.Service;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 5's benchmark: an authenticated read ({@code GET /v1/models/{name}}) and an inline-inference job submission
 * ({@code POST /v1/jobs}, answered 202) through the gateway at 1, 16 and 64 clients, beside the same calls made to
 * model-service directly with a valid internal token (the gateway's cost), for this build and, with
 * {@code --before}, an earlier packaged build, one after the other in one run on the same machine.
 */
@Command(
        name = "gateway",
        mixinStandardHelpOptions = true,
        description =
                "Gateway throughput and latency: authenticated read and job submission, through the gateway and direct.")
final class GatewayBenchmark implements Callable<Integer> {
    private static final String JOB = "{\"type\":\"inference\",\"model\":\"" + BenchPlatform.MODEL
            + "\",\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[1,2,3,4]}]}";

    @Option(
            names = "--before",
            description = "Checkout of an earlier build whose services are packaged (mvnw package -DskipTests); "
                    + "measured first, beside this one.")
    Path before;

    @Option(
            names = "--seconds",
            defaultValue = "10",
            description = "Measured seconds per step (default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--warmup", defaultValue = "3", description = "Unmeasured seconds before each step.")
    int warmup;

    @Option(
            names = "--jit-warmup",
            defaultValue = "10",
            description = "Unmeasured seconds of each call at 16 clients once a build is up, before any step: "
                    + "both builds are measured warm, not while the JIT compiles their hot paths.")
    int jitWarmup;

    @Option(names = "--clients", split = ",", defaultValue = "1,16,64", description = "Concurrent clients per step.")
    List<Integer> clients;

    @Option(names = "--out", defaultValue = "target/bench/gateway.md", description = "Where the Markdown results go.")
    Path out;

    private record Row(String build, String scenario, String path, LoadGenerator.Result result) {}

    @Override
    public Integer call() throws Exception {
        Path repo = BenchMain.repoRoot();
        Map<String, Path> builds = new LinkedHashMap<>();
        if (before != null) {
            builds.put("before", before.toAbsolutePath().normalize());
        }
        builds.put("after", repo);
        List<Row> rows = new ArrayList<>();
        try (LoadGenerator load = new LoadGenerator()) {
            for (var build : builds.entrySet()) {
                BenchMain.log("starting the " + build.getKey() + " build from " + build.getValue());
                try (BenchPlatform platform = BenchPlatform.start(build.getKey(), build.getValue())) {
                    // Only submissions are measured: a worker running the submitted jobs would take CPU from them.
                    platform.runtime.stopService(Service.WORKER);
                    measure(load, platform, rows);
                }
            }
        }
        Report report = new Report(
                "Gateway: authenticated read and job submission",
                "./aiaas-bench gateway" + (before == null ? "" : " --before <earlier build>") + " --seconds "
                        + seconds);
        report.paragraph("Closed loop: each client sends its next request when the previous answer has been read. "
                + "`gateway` goes through the gateway with an API key; `direct` calls model-service itself with a "
                + "valid internal token (what the gateway adds is the difference). The worker is stopped so that "
                + "running the submitted jobs takes no CPU from the measurement. Each build first runs every call for "
                + jitWarmup + " s at 16 clients (so both are measured with their hot paths compiled), then each row "
                + "has " + warmup + " s of warm-up and " + seconds + " s measured.");
        for (String scenario : List.of("read", "submit")) {
            List<List<String>> table = new ArrayList<>();
            for (Row row : rows) {
                if (row.scenario.equals(scenario)) {
                    LoadGenerator.Result r = row.result;
                    table.add(List.of(
                            row.build,
                            row.path,
                            Integer.toString(r.clients()),
                            Report.number(r.throughput(), 0),
                            Report.number(r.percentileMillis(50), 2),
                            Report.number(r.percentileMillis(99), 2),
                            Long.toString(r.failed())));
                }
            }
            report.paragraph(
                    scenario.equals("read")
                            ? "**Authenticated read** `GET /v1/models/" + BenchPlatform.MODEL + "` (200):"
                            : "**Job submission** `POST /v1/jobs`, inline inference of one row (202):");
            report.table(List.of("build", "path", "clients", "requests/s", "p50 ms", "p99 ms", "failed"), table);
        }
        report.paragraph(goals(rows));
        System.out.println(report.text());
        report.writeTo(out);
        BenchMain.log("results written to " + out.toAbsolutePath());
        return 0;
    }

    private void measure(LoadGenerator load, BenchPlatform platform, List<Row> rows) throws Exception {
        for (String scenario : List.of("read", "submit")) {
            for (String path : List.of("gateway", "direct")) {
                step(load, platform, scenario, path, 16, Duration.ofSeconds(jitWarmup), null);
            }
        }
        for (String scenario : List.of("read", "submit")) {
            for (String path : List.of("gateway", "direct")) {
                for (int n : clients) {
                    step(load, platform, scenario, path, n, Duration.ofSeconds(seconds), rows);
                }
            }
        }
    }

    /** One step; with {@code rows} null it only warms the build up. */
    private void step(
            LoadGenerator load,
            BenchPlatform platform,
            String scenario,
            String path,
            int clients,
            Duration measured,
            List<Row> rows)
            throws Exception {
        boolean viaGateway = path.equals("gateway");
        String url = viaGateway ? platform.gatewayUrl() : platform.modelServiceUrl();
        Supplier<Map<String, String>> headers = () -> {
            Map<String, String> h = new LinkedHashMap<>();
            h.put("Authorization", "Bearer " + (viaGateway ? platform.apiKey : platform.internalToken()));
            if (!scenario.equals("read")) {
                h.put("Content-Type", "application/json");
            }
            return h;
        };
        Supplier<LoadGenerator.Call> call;
        int expected;
        if (scenario.equals("read")) {
            call = () ->
                    new LoadGenerator.Call(HttpMethod.GET, "/v1/models/" + BenchPlatform.MODEL, headers.get(), null);
            expected = 200;
        } else {
            Buffer job = Buffer.buffer(JOB);
            call = () -> new LoadGenerator.Call(HttpMethod.POST, "/v1/jobs", headers.get(), job);
            expected = 202;
        }
        LoadGenerator.Result result = load.run(url, call, expected, clients, Duration.ofSeconds(warmup), measured);
        BenchMain.log(String.format(
                "%s%s %s %s %d clients: %.0f/s p50 %.2f ms p99 %.2f ms, %d failed %s",
                rows == null ? "(warm-up) " : "",
                platform.label,
                scenario,
                path,
                clients,
                result.throughput(),
                result.percentileMillis(50),
                result.percentileMillis(99),
                result.failed(),
                result.statuses()));
        if (rows != null) {
            rows.add(new Row(platform.label, scenario, path, result));
        }
    }

    private static String goals(List<Row> rows) {
        LoadGenerator.Result before16 = find(rows, "before", "read", "gateway", 16);
        LoadGenerator.Result after16 = find(rows, "after", "read", "gateway", 16);
        LoadGenerator.Result after1 = find(rows, "after", "read", "gateway", 1);
        LoadGenerator.Result direct1 = find(rows, "after", "read", "direct", 1);
        StringBuilder s = new StringBuilder("**Goals** (authenticated read): ");
        if (before16 != null && after16 != null) {
            double ratio = after16.throughput() / before16.throughput();
            s.append(String.format(
                    "throughput at 16 clients %.1f× the earlier build's (goal ≥ 5×: %s); ",
                    ratio, ratio >= 5 ? "met" : "missed"));
        }
        if (after1 != null) {
            double p50 = after1.percentileMillis(50);
            s.append(String.format("p50 at one client %.2f ms (goal ≤ 2 ms: %s)", p50, p50 <= 2 ? "met" : "missed"));
        }
        if (after1 != null && direct1 != null) {
            s.append(String.format(
                    "; the gateway adds %.2f ms at p50 over calling model-service directly",
                    after1.percentileMillis(50) - direct1.percentileMillis(50)));
        }
        return s.append('.').toString();
    }

    private static LoadGenerator.Result find(List<Row> rows, String build, String scenario, String path, int clients) {
        return rows.stream()
                .filter(r -> r.build.equals(build)
                        && r.scenario.equals(scenario)
                        && r.path.equals(path)
                        && r.result.clients() == clients)
                .map(Row::result)
                .findFirst()
                .orElse(null);
    }
}
