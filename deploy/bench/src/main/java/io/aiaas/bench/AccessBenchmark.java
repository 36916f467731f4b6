package io.aiaas.bench;

import io.aiaas.common.id.Ids;
import io.aiaas.local.PlatformClient;
import io.aiaas.local.ServiceProcess;
import io.aiaas.local.ServiceProcess.Service;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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

    @Option(
            names = "--count-warmup",
            defaultValue = "10",
            description = "Unmeasured seconds of each path at each client count before its rounds, so that the first"
                    + " round runs on code compiled for that load as the later ones do (default ${DEFAULT-VALUE}).")
    int countWarmup;

    @Option(names = "--clients", split = ",", defaultValue = "1,16,64", description = "Concurrent clients per step.")
    List<Integer> clients;

    @Option(
            names = "--limit-seconds",
            defaultValue = "10",
            description =
                    "Seconds of the over-admission part (64 clients over two replicas; default ${DEFAULT-VALUE}).")
    int limitSeconds;

    @Option(
            names = "--rounds",
            defaultValue = "2",
            description = "Rounds of on, off and direct at each client count, the order reversed every other round;"
                    + " each path's rounds are reported as one (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(
            names = "--jfr",
            description = "Also records each measured step of the gateway with Java Flight Recorder (profile settings)"
                    + " into this directory, one file per step: what the checks cost, by method.")
    Path jfr;

    @Option(names = "--out", defaultValue = "target/bench/access.md", description = "Where the Markdown results go.")
    Path out;

    /** A path's measured rounds at one client count, with the CPU each part of the platform used in them. */
    private record Row(String scenario, String path, LoadGenerator.Result result, Map<String, Long> cpuMillis) {
        /** CPU microseconds of {@code part} per answered request. */
        double cpuMicros(String part) {
            return result.completed() == 0 ? 0 : 1000.0 * cpuMillis.getOrDefault(part, 0L) / result.completed();
        }
    }

    private record Measured(LoadGenerator.Result result, Map<String, Long> cpuMillis) {}

    /** One step of a path at the scenario and client count in hand. */
    @FunctionalInterface
    private interface Step {
        Measured run(String path, Duration length, boolean warmingUp) throws Exception;
    }

    private record Admission(long admitted, long refused, long other, double seconds, double bound) {}

    /** The parts whose CPU per request the report shows: where the checks' cost can go. */
    private static final List<String> CPU_PARTS = List.of("gateway", "tenant-service", "model-service", "worker");

    @Override
    public Integer call() throws Exception {
        List<Row> rows = new ArrayList<>();
        Admission admission;
        try (BenchPlatform platform = BenchPlatform.start("access", BenchMain.repoRoot());
                LoadGenerator load = new LoadGenerator()) {
            // One gateway JVM serves both "checks on" (the tenant's key) and "checks off" (no credentials, acting as
            // the tenant through the bench-only switch), so both paths share one JIT history and one process.
            ServiceProcess gateway = platform.runtime.startReplica(
                    Service.GATEWAY,
                    "gateway-bench",
                    Service.GATEWAY.heapMb(),
                    Map.of("QUARKUS_PROFILE", "prod,bench", "AIAAS_GATEWAY_CHECKS_BYPASS_TENANT", platform.tenantId));
            try {
                long gatewayPid = WorkerProbe.javaPid(gateway);
                CpuProbe cpu = new CpuProbe(platform.runtime, () -> List.of(gatewayPid));
                Map<String, String> urls = new LinkedHashMap<>();
                urls.put("checks on", gateway.url());
                urls.put("checks off", gateway.url());
                urls.put("direct", platform.modelServiceUrl());
                if (jfr != null) {
                    // JFR's first start in a process costs seconds of CPU: paid here, not in a measured step
                    Recording.start(gatewayPid, null).stop();
                }
                for (String scenario : List.of("read", "predict")) {
                    for (String path : paths(scenario)) {
                        step(load, cpu, platform, urls, scenario, path, 16, Duration.ofSeconds(jitWarmup), true);
                    }
                }
                for (String scenario : List.of("read", "predict")) {
                    for (int n : clients) {
                        Step atCount = (path, length, warmingUp) ->
                                step(load, cpu, platform, urls, scenario, path, n, length, warmingUp);
                        if (countWarmup > 0) {
                            for (String path : paths(scenario)) {
                                atCount.run(path, Duration.ofSeconds(countWarmup), true);
                            }
                        }
                        Map<String, List<Measured>> parts = new LinkedHashMap<>();
                        for (int round = 0; round < Math.max(1, rounds); round++) {
                            // alternating order, so that drift and what ran just before hit every path alike
                            List<String> order = new ArrayList<>(paths(scenario));
                            if (round % 2 == 1) {
                                Collections.reverse(order);
                            }
                            for (String path : order) {
                                parts.computeIfAbsent(path, k -> new ArrayList<>())
                                        .add(atCount.run(path, Duration.ofSeconds(seconds), false));
                            }
                        }
                        for (String path : paths(scenario)) {
                            List<Measured> measured = parts.get(path);
                            Map<String, Long> cpuMillis = new LinkedHashMap<>();
                            measured.forEach(m -> m.cpuMillis.forEach((k, v) -> cpuMillis.merge(k, v, Long::sum)));
                            rows.add(new Row(
                                    scenario,
                                    path,
                                    LoadGenerator.Result.merge(measured.stream()
                                            .map(Measured::result)
                                            .toList()),
                                    cpuMillis));
                        }
                    }
                }
            } finally {
                gateway.close();
            }
            admission = overAdmission(platform);
        }
        Report report = new Report(
                "Access checks: key authentication, rate limits and quotas",
                "./aiaas-bench access --seconds " + seconds + " --rounds " + rounds + " --jit-warmup " + jitWarmup
                        + " --count-warmup " + countWarmup);
        report.paragraph("Closed loop: each client sends its next request when the previous answer has been read."
                + " `checks on` and `checks off` go to the same gateway process, started with the profile `bench` and"
                + " `aiaas.gateway.checks.bypass-tenant`: `checks on` with the tenant's API key (key look-up in the"
                + " gateway's cache, the rate limit's local token, the compute-unit check of predictions), `checks off`"
                + " without credentials (the same tenant, every scope, no rate limit, no quota). `direct`:"
                + " model-service itself with a valid internal token, for the read. The tenant's plan does not bind."
                + " Each path first runs each call " + jitWarmup + " s at 16 clients; then, at each client count, "
                + countWarmup + " s of each path unmeasured and "
                + rounds + " rounds of on, off and direct (the order reversed every other round), each "
                + warmup + " s of warm-up and " + seconds + " s measured; a row is its path's rounds together. CPU"
                + " is each process's user + system time in the measured windows, per answered request.");
        for (String scenario : List.of("read", "predict")) {
            List<List<String>> table = new ArrayList<>();
            for (int n : clients) {
                Row off = find(rows, scenario, "checks off", n);
                for (Row row : rows) {
                    if (!row.scenario.equals(scenario) || row.result.clients() != n) {
                        continue;
                    }
                    LoadGenerator.Result r = row.result;
                    String cost = "";
                    String added = "";
                    if (row.path.equals("checks on") && off != null) {
                        cost = Report.number(100 * (1 - r.throughput() / off.result.throughput()), 1) + " %";
                        added = signed(r.percentileMillis(50) - off.result.percentileMillis(50)) + " / "
                                + signed(r.percentileMillis(99) - off.result.percentileMillis(99));
                    }
                    List<String> cells = new ArrayList<>(List.of(
                            row.path,
                            Integer.toString(n),
                            Report.number(r.throughput(), 0),
                            Report.number(r.percentileMillis(50), 3),
                            Report.number(r.percentileMillis(99), 3),
                            cost,
                            added));
                    for (String part : CPU_PARTS) {
                        cells.add(Report.number(row.cpuMicros(part), 0));
                    }
                    cells.add(Long.toString(r.failed()));
                    table.add(cells);
                }
            }
            report.paragraph(
                    scenario.equals("read")
                            ? "**Authenticated read** `GET /v1/models/" + BenchPlatform.MODEL + "` (200):"
                            : "**Predict** `POST /v2/models/" + BenchPlatform.MODEL + "/infer`, one row (200):");
            List<String> header = new ArrayList<>(List.of(
                    "path",
                    "clients",
                    "requests/s",
                    "p50 ms",
                    "p99 ms",
                    "throughput cost of the checks",
                    "added by the checks, p50 / p99 ms"));
            CPU_PARTS.forEach(part -> header.add(part + " CPU µs/req"));
            header.add("failed");
            report.table(header, table);
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

    private Measured step(
            LoadGenerator load,
            CpuProbe cpu,
            BenchPlatform platform,
            Map<String, String> urls,
            String scenario,
            String path,
            int clients,
            Duration measured,
            boolean warmingUp)
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
        // CPU is read when the measured window opens (the warm-up's end) and when it closes
        CompletableFuture<Map<String, Long>> cpuAtStart =
                CompletableFuture.supplyAsync(cpu::sample, CompletableFuture.delayedExecutor(warmup, TimeUnit.SECONDS));
        Recording recording = warmingUp || jfr == null
                ? null
                : Recording.start(
                        cpu.gatewayPid(),
                        jfr.resolve(scenario + "-" + path.replace(' ', '-') + "-" + clients + "c-"
                                + System.currentTimeMillis() + ".jfr"));
        LoadGenerator.Result result =
                load.run(urls.get(path), call, 200, clients, Duration.ofSeconds(warmup), measured);
        Map<String, Long> cpuMillis = CpuProbe.used(cpuAtStart.join(), cpu.sample());
        if (recording != null) {
            recording.stop();
        }
        BenchMain.log(String.format(
                "%s%s %s %d clients: %.0f/s p50 %.3f ms p99 %.3f ms, %d failed %s, CPU ms %s",
                warmingUp ? "(warm-up) " : "",
                scenario,
                path,
                clients,
                result.throughput(),
                result.percentileMillis(50),
                result.percentileMillis(99),
                result.failed(),
                result.statuses(),
                cpuMillis));
        return new Measured(result, cpuMillis);
    }

    /**
     * A Java Flight Recorder recording of one process, through {@code jcmd}: begun with the step (its warm-up
     * included: JFR's first start in a process takes seconds, and a recording begun later could miss the window),
     * dumped and stopped at its end. {@code ./aiaas-bench hot-methods} reads it.
     */
    private record Recording(long pid, String name, Path file) {
        /** Starts a recording; with {@code file} null, one whose samples are discarded when it stops. */
        static Recording start(long pid, Path file) throws IOException {
            if (file != null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
            }
            String name = "access-" + System.nanoTime();
            jcmd(pid, "JFR.start", "name=" + name, "settings=profile");
            return new Recording(pid, name, file == null ? null : file.toAbsolutePath());
        }

        void stop() {
            if (file == null) {
                jcmd(pid, "JFR.stop", "name=" + name);
                return;
            }
            jcmd(pid, "JFR.stop", "name=" + name, "filename=" + file);
            BenchMain.log("flight recording of the gateway written to " + file);
        }

        private static void jcmd(long pid, String... command) {
            List<String> line = new ArrayList<>(List.of("jcmd", Long.toString(pid)));
            line.addAll(List.of(command));
            try {
                Process p = new ProcessBuilder(line).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes());
                if (p.waitFor() != 0) {
                    throw new IllegalStateException(String.join(" ", line) + " failed: " + out);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
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
                Row onRow = find(rows, scenario, "checks on", n);
                Row offRow = find(rows, scenario, "checks off", n);
                if (onRow == null || offRow == null) {
                    continue;
                }
                LoadGenerator.Result on = onRow.result;
                LoadGenerator.Result off = offRow.result;
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

    private static Row find(List<Row> rows, String scenario, String path, int clients) {
        return rows.stream()
                .filter(r -> r.scenario.equals(scenario) && r.path.equals(path) && r.result.clients() == clients)
                .findFirst()
                .orElse(null);
    }
}
