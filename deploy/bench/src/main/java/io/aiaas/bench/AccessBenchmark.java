package io.aiaas.bench;

import io.aiaas.common.id.Ids;
import io.aiaas.local.PlatformClient;
import io.aiaas.local.ServiceProcess;
import io.aiaas.local.ServiceProcess.Service;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 10's benchmark: what key authentication, rate limiting and quotas cost. An authenticated read and a predict
 * call through the gateway with its checks on, through a second gateway of the same build with them off (profile
 * {@code bench}, {@code aiaas.gateway.checks.bypass-tenant}), and, for the read, to model-service directly with an
 * internal token; then two gateway replicas against one tenant on a 5 rps / burst 5 plan, counting what they admit.
 */
@Command(
        name = "access",
        mixinStandardHelpOptions = true,
        description = "The cost of key auth, rate limits and quotas (checks on / off / direct) and over-admission with"
                + " two replicas.")
final class AccessBenchmark implements java.util.concurrent.Callable<Integer> {
    private static final String INFER =
            "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,4]," + "\"data\":[1,2,3,4]}]}";
    /** The over-admission part's plan. */
    private static final int LIMITED_RATE = 5;

    private static final int LIMITED_BURST = 5;

    // Goals of issue 10.
    static final double GOAL_THROUGHPUT_COST = 0.10;
    static final double GOAL_ADDED_P50_MS = 1.0;

    @Option(
            names = "--seconds",
            defaultValue = "10",
            description = "Measured seconds per step (default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--warmup", defaultValue = "3", description = "Unmeasured seconds before each step.")
    int warmup;

    @Option(
            names = "--jit-warmup",
            defaultValue = "45",
            description = "Unmeasured seconds of each call on each path at 16 clients before any step, so that every"
                    + " path is measured compiled (default ${DEFAULT-VALUE}).")
    int jitWarmup;

    @Option(names = "--clients", split = ",", defaultValue = "1,16,64", description = "Concurrent clients per step.")
    List<Integer> clients;

    @Option(
            names = "--limit-seconds",
            defaultValue = "10",
            description =
                    "Seconds of the over-admission part (64 clients over two replicas; default ${DEFAULT-VALUE}).")
    int limitSeconds;

    @Option(names = "--out", defaultValue = "target/bench/access.md", description = "Where the Markdown results go.")
    Path out;

    private record Row(String scenario, String path, LoadGenerator.Result result) {}

    private record Admission(long admitted, long refused, long other, double seconds, double bound) {}

    @Override
    public Integer call() throws Exception {
        List<Row> rows = new ArrayList<>();
        Admission admission;
        try (BenchPlatform platform = BenchPlatform.start("access", BenchMain.repoRoot());
                LoadGenerator load = new LoadGenerator()) {
            ServiceProcess unchecked = platform.runtime.startReplica(
                    Service.GATEWAY,
                    "gateway-checks-off",
                    Service.GATEWAY.heapMb(),
                    Map.of("QUARKUS_PROFILE", "prod,bench", "AIAAS_GATEWAY_CHECKS_BYPASS_TENANT", platform.tenantId));
            try {
                Map<String, String> urls = new LinkedHashMap<>();
                urls.put("checks on", platform.gatewayUrl());
                urls.put("checks off", unchecked.url());
                urls.put("direct", platform.modelServiceUrl());
                for (String scenario : List.of("read", "predict")) {
                    for (String path : paths(scenario)) {
                        step(load, platform, urls, scenario, path, 16, Duration.ofSeconds(jitWarmup), null);
                    }
                }
                for (String scenario : List.of("read", "predict")) {
                    for (int n : clients) {
                        // on, off and direct one after the other at each client count, so drift hits them alike
                        for (String path : paths(scenario)) {
                            step(load, platform, urls, scenario, path, n, Duration.ofSeconds(seconds), rows);
                        }
                    }
                }
            } finally {
                unchecked.close();
            }
            admission = overAdmission(platform);
        }
        Report report = new Report(
                "Access checks: key authentication, rate limits and quotas",
                "./aiaas-bench access --seconds " + seconds + " --jit-warmup " + jitWarmup);
        report.paragraph("Closed loop: each client sends its next request when the previous answer has been read."
                + " `checks on`: the gateway with the tenant's API key (key look-up in the gateway's cache, the rate"
                + " limit's local token, the quota check). `checks off`: a second gateway of the same build started"
                + " with the profile `bench` and `aiaas.gateway.checks.bypass-tenant`, called without credentials (the"
                + " same tenant, every scope, no rate limit, no quota). `direct`: model-service itself with a valid"
                + " internal token, for the read. The tenant's plan does not bind. Each path first runs each call "
                + jitWarmup + " s at 16 clients, then each row has " + warmup + " s of warm-up and " + seconds
                + " s measured; on, off and direct alternate at each client count.");
        for (String scenario : List.of("read", "predict")) {
            List<List<String>> table = new ArrayList<>();
            for (int n : clients) {
                LoadGenerator.Result off = find(rows, scenario, "checks off", n);
                for (Row row : rows) {
                    if (!row.scenario.equals(scenario) || row.result.clients() != n) {
                        continue;
                    }
                    LoadGenerator.Result r = row.result;
                    String cost = "";
                    String added = "";
                    if (row.path.equals("checks on") && off != null) {
                        cost = Report.number(100 * (1 - r.throughput() / off.throughput()), 1) + " %";
                        added = signed(r.percentileMillis(50) - off.percentileMillis(50)) + " / "
                                + signed(r.percentileMillis(99) - off.percentileMillis(99));
                    }
                    table.add(List.of(
                            row.path,
                            Integer.toString(n),
                            Report.number(r.throughput(), 0),
                            Report.number(r.percentileMillis(50), 3),
                            Report.number(r.percentileMillis(99), 3),
                            cost,
                            added,
                            Long.toString(r.failed())));
                }
            }
            report.paragraph(
                    scenario.equals("read")
                            ? "**Authenticated read** `GET /v1/models/" + BenchPlatform.MODEL + "` (200):"
                            : "**Predict** `POST /v2/models/" + BenchPlatform.MODEL + "/infer`, one row (200):");
            report.table(
                    List.of(
                            "path",
                            "clients",
                            "requests/s",
                            "p50 ms",
                            "p99 ms",
                            "throughput cost of the checks",
                            "added by the checks, p50 / p99 ms",
                            "failed"),
                    table);
        }
        report.paragraph(String.format(
                "**Two replicas, one tenant on %d rps / burst %d**, 64 clients (32 on each replica) for %.1f s: %d"
                        + " admitted (200), %d refused (429), %d other; the plan allows at most burst + rate × elapsed"
                        + " = %.1f. Over-admission: **%d**.",
                LIMITED_RATE,
                LIMITED_BURST,
                admission.seconds,
                admission.admitted,
                admission.refused,
                admission.other,
                admission.bound,
                Math.max(0, (long) Math.ceil(admission.admitted - admission.bound))));
        report.paragraph(goals(rows, admission));
        System.out.println(report.text());
        report.writeTo(out);
        BenchMain.log("results written to " + out.toAbsolutePath());
        return admission.admitted > admission.bound ? 1 : 0;
    }

    private static String signed(double millis) {
        return (millis >= 0 ? "+" : "−") + Report.number(Math.abs(millis), 3);
    }

    private static List<String> paths(String scenario) {
        return scenario.equals("read")
                ? List.of("checks on", "checks off", "direct")
                : List.of("checks on", "checks off");
    }

    private void step(
            LoadGenerator load,
            BenchPlatform platform,
            Map<String, String> urls,
            String scenario,
            String path,
            int clients,
            Duration measured,
            List<Row> rows)
            throws Exception {
        Map<String, String> headers = new LinkedHashMap<>();
        switch (path) {
            case "checks on" -> headers.put("Authorization", "Bearer " + platform.apiKey);
            case "direct" -> headers.put("Authorization", "Bearer " + platform.internalToken());
            default -> {} // checks off: no credentials at all
        }
        Supplier<LoadGenerator.Call> call;
        if (scenario.equals("read")) {
            Map<String, String> h = Map.copyOf(headers);
            call = path.equals("direct")
                    ? () -> new LoadGenerator.Call(
                            HttpMethod.GET,
                            "/v1/models/" + BenchPlatform.MODEL,
                            Map.of("Authorization", "Bearer " + platform.internalToken()),
                            null)
                    : () -> new LoadGenerator.Call(HttpMethod.GET, "/v1/models/" + BenchPlatform.MODEL, h, null);
        } else {
            headers.put("Content-Type", "application/json");
            Map<String, String> h = Map.copyOf(headers);
            Buffer body = Buffer.buffer(INFER);
            call = () ->
                    new LoadGenerator.Call(HttpMethod.POST, "/v2/models/" + BenchPlatform.MODEL + "/infer", h, body);
        }
        LoadGenerator.Result result =
                load.run(urls.get(path), call, 200, clients, Duration.ofSeconds(warmup), measured);
        BenchMain.log(String.format(
                "%s%s %s %d clients: %.0f/s p50 %.3f ms p99 %.3f ms, %d failed %s",
                rows == null ? "(warm-up) " : "",
                scenario,
                path,
                clients,
                result.throughput(),
                result.percentileMillis(50),
                result.percentileMillis(99),
                result.failed(),
                result.statuses()));
        if (rows != null) {
            rows.add(new Row(scenario, path, result));
        }
    }

    /** A tenant on 5 rps / burst 5, a second gateway replica, 32 clients on each: what is admitted in all. */
    private Admission overAdmission(BenchPlatform platform) throws Exception {
        PlatformClient client = platform.client;
        String admin = platform.adminToken();
        String plan = "bench-limited-" + Ids.randomBase62(6).toLowerCase();
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("name", plan);
        limits.put("requestsPerSecond", LIMITED_RATE);
        limits.put("burst", LIMITED_BURST);
        limits.put("concurrentJobs", 10);
        limits.put("monthlyComputeUnits", 1_000_000_000L);
        limits.put("maxRequestBytes", 1_048_576L);
        limits.put("maxModelBytes", 104_857_600L);
        limits.put("storageBytes", 1_073_741_824L);
        limits.put("maxBatchRows", 1_000L);
        require(client.postJson("/admin/v1/plans", admin, limits), 201, "create the limited plan");
        var tenant = client.postJson(
                "/admin/v1/tenants",
                admin,
                Map.of("name", "bench-limited-" + Ids.randomBase62(8).toLowerCase(), "plan", plan));
        require(tenant, 201, "create the limited tenant");
        String tenantId = tenant.json().path("id").asText();
        var key = client.postJson("/admin/v1/tenants/" + tenantId + "/api-keys", admin, Map.of("name", "bench"));
        require(key, 201, "create the limited tenant's key");
        String apiKey = key.json().path("key").asText();
        Map<String, String> headers = Map.of("Authorization", "Bearer " + apiKey);
        Supplier<LoadGenerator.Call> call = () -> new LoadGenerator.Call(HttpMethod.GET, "/v1/models", headers, null);
        try (ServiceProcess second = platform.runtime.startReplica(Service.GATEWAY);
                LoadGenerator a = new LoadGenerator();
                LoadGenerator b = new LoadGenerator()) {
            long start = System.nanoTime();
            CompletableFuture<LoadGenerator.Result> onFirst =
                    CompletableFuture.supplyAsync(() -> run(a, platform.gatewayUrl(), call));
            CompletableFuture<LoadGenerator.Result> onSecond =
                    CompletableFuture.supplyAsync(() -> run(b, second.url(), call));
            LoadGenerator.Result first = onFirst.join();
            LoadGenerator.Result secondResult = onSecond.join();
            double elapsed = (System.nanoTime() - start) / 1e9;
            long admitted = count(first, 200) + count(secondResult, 200);
            long refused = count(first, 429) + count(secondResult, 429);
            // completed counts the expected status (200) only; the refusals are among the failed
            long all = first.completed() + first.failed() + secondResult.completed() + secondResult.failed();
            Admission result = new Admission(
                    admitted, refused, all - admitted - refused, elapsed, LIMITED_BURST + LIMITED_RATE * elapsed);
            BenchMain.log(String.format(
                    "two replicas, %d rps / burst %d: %d admitted, %d refused in %.1f s (at most %.1f allowed)",
                    LIMITED_RATE, LIMITED_BURST, admitted, refused, elapsed, result.bound));
            return result;
        }
    }

    private LoadGenerator.Result run(LoadGenerator load, String url, Supplier<LoadGenerator.Call> call) {
        try {
            // every answer counts (warm-up 0): the bound is over the whole elapsed time
            return load.run(url, call, 200, 32, Duration.ZERO, Duration.ofSeconds(limitSeconds));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long count(LoadGenerator.Result r, int status) {
        return r.statuses().getOrDefault(status, 0L);
    }

    private static void require(PlatformClient.Reply reply, int status, String what) {
        if (reply.status() != status) {
            throw new IllegalStateException(what + ": " + reply.status() + " " + reply.body());
        }
    }

    private String goals(List<Row> rows, Admission admission) {
        StringBuilder s = new StringBuilder(
                "**Goals:**\n\n| call | clients | goal | measured | |\n| --- | --- | --- | --- | --- |\n");
        for (String scenario : List.of("read", "predict")) {
            for (int n : clients) {
                LoadGenerator.Result on = find(rows, scenario, "checks on", n);
                LoadGenerator.Result off = find(rows, scenario, "checks off", n);
                if (on == null || off == null) {
                    continue;
                }
                double cost = 1 - on.throughput() / off.throughput();
                double added = on.percentileMillis(50) - off.percentileMillis(50);
                s.append(String.format(
                        "| %s | %d | throughput cost ≤ 10 %% | %.1f %% | %s |%n",
                        scenario, n, 100 * cost, cost <= GOAL_THROUGHPUT_COST ? "met" : "**missed**"));
                s.append(String.format(
                        "| %s | %d | added p50 ≤ 1 ms | %+.3f ms | %s |%n",
                        scenario, n, added, added <= GOAL_ADDED_P50_MS ? "met" : "**missed**"));
            }
        }
        s.append(String.format(
                "| rate limit, two replicas | 64 | zero over-admission | %d admitted of at most %.1f | %s |%n",
                admission.admitted, admission.bound, admission.admitted <= admission.bound ? "met" : "**missed**"));
        return s.toString();
    }

    private static LoadGenerator.Result find(List<Row> rows, String scenario, String path, int clients) {
        return rows.stream()
                .filter(r -> r.scenario.equals(scenario) && r.path.equals(path) && r.result.clients() == clients)
                .map(Row::result)
                .findFirst()
                .orElse(null);
    }
}
