package io.aiaas.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.error.ProblemType;
import io.aiaas.common.id.Ids;
import io.aiaas.common.json.Json;
import io.aiaas.local.ServiceProcess.Service;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The plan's rate limit across two gateway replicas against the real owner of the buckets (tenant-service): 256
 * concurrent clients for 10 s, half on each replica, never get more admitted than {@code burst + rate × elapsed}, and
 * get at least 80 % of it; every refusal is a well-formed 429. Then the same while one replica is killed midway.
 */
@ExtendWith(SharedPlatform.class)
class RateLimitIT {
    private static final int CLIENTS = 256;
    private static final int RATE = 5;
    private static final int BURST = 5;
    private static final Duration RUN = Duration.ofSeconds(10);
    private static final Pattern RATE_LIMIT = Pattern.compile("\"default\";r=(\\d+);t=(\\d+)");

    private static PlatformClient api;
    private static String admin;
    private static ServiceProcess replica;
    private static ExecutorService executor;
    private static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        api = SharedPlatform.api();
        admin = SharedPlatform.adminToken();
        replica = SharedPlatform.platform().startReplica(Service.GATEWAY);
        executor = Executors.newFixedThreadPool(8);
        http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1) // a connection per client, as 256 separate clients would have
                .executor(executor)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    @AfterAll
    static void stop() {
        if (replica != null && replica.isAlive()) {
            replica.close();
        }
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    @Test
    void twoReplicasNeverAdmitMoreThanThePlanAndAdmitAtLeastFourFifthsOfIt() throws Exception {
        String key = newTenantKey();
        Outcome outcome = hammer(key, List.of(SharedPlatform.platform().gatewayUrl(), replica.url()), null);
        outcome.check();
    }

    @Test
    void killingOneReplicaMidwayNeitherOverAdmitsNorStopsTheOther() throws Exception {
        ServiceProcess doomed = SharedPlatform.platform().startReplica(Service.GATEWAY);
        try {
            String key = newTenantKey();
            Outcome outcome = hammer(key, List.of(SharedPlatform.platform().gatewayUrl(), doomed.url()), doomed);
            outcome.check();
            assertTrue(outcome.admittedAfterKill.get() > 0, "the surviving replica kept admitting");
        } finally {
            if (doomed.isAlive()) {
                doomed.kill();
            }
        }
    }

    private record Answer(long atNanos, int status) {}

    private static final class Outcome {
        final ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> malformed = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> others = new ConcurrentLinkedQueue<>();
        final AtomicInteger admittedAfterKill = new AtomicInteger();
        final AtomicInteger connectionFailures = new AtomicInteger();
        long startNanos;
        long endNanos;

        void check() {
            long admitted = answers.stream().filter(a -> a.status == 200).count();
            long refused = answers.stream().filter(a -> a.status == 429).count();
            double elapsed = (endNanos - startNanos) / 1e9;
            double allowed = BURST + RATE * elapsed;
            String summary = String.format(
                    Locale.ROOT,
                    "%d admitted, %d refused in %.2f s (allowed %.1f); other answers %s; %d connection failures;"
                            + " malformed %s",
                    admitted,
                    refused,
                    elapsed,
                    allowed,
                    others,
                    connectionFailures.get(),
                    malformed.stream().limit(3).toList());
            System.out.println("[RateLimitIT] " + summary);
            assertTrue(malformed.isEmpty(), summary);
            assertTrue(admitted <= allowed, "over-admitted: " + summary);
            assertTrue(admitted >= 0.8 * allowed, "under 80 % of the plan: " + summary);
            assertTrue(refused > 1000, "the clients pressed hard enough to be refused: " + summary);
            assertEquals(admitted + refused, answers.size(), "every answer is 200 or 429: " + summary);
        }
    }

    /**
     * {@link #CLIENTS} closed-loop clients, alternating between {@code gateways}, for {@link #RUN}; with {@code doomed}
     * that replica is killed halfway and its clients move to the first gateway.
     */
    private Outcome hammer(String key, List<String> gateways, ServiceProcess doomed) throws Exception {
        Outcome outcome = new Outcome();
        outcome.startNanos = System.nanoTime();
        long end = outcome.startNanos + RUN.toNanos();
        AtomicReference<Long> killedAt = new AtomicReference<>();
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            clients.add(loop(key, gateways, i % gateways.size(), end, outcome, killedAt));
        }
        if (doomed != null) {
            Thread.sleep(RUN.toMillis() / 2);
            doomed.kill();
            killedAt.set(System.nanoTime());
        }
        CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get();
        outcome.endNanos = System.nanoTime();
        return outcome;
    }

    private CompletableFuture<Void> loop(
            String key, List<String> gateways, int gateway, long end, Outcome outcome, AtomicReference<Long> killedAt) {
        if (System.nanoTime() - end >= 0) {
            return CompletableFuture.completedFuture(null);
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(gateways.get(gateway) + "/v1/models?limit=1"))
                .header("Authorization", "Bearer " + key)
                .timeout(Duration.ofSeconds(10))
                .GET()
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .handle((response, failure) -> {
                    if (failure != null) {
                        // the killed replica's connections: this client carries on against the first gateway
                        outcome.connectionFailures.incrementAndGet();
                        return 0;
                    }
                    long at = System.nanoTime();
                    outcome.answers.add(new Answer(at, response.statusCode()));
                    if (response.statusCode() == 200 && killedAt.get() != null) {
                        outcome.admittedAfterKill.incrementAndGet();
                    }
                    check(response, outcome);
                    return gateway;
                })
                .thenCompose(next -> loop(key, gateways, next, end, outcome, killedAt));
    }

    private static void check(HttpResponse<String> response, Outcome outcome) {
        if (response.statusCode() != 200 && response.statusCode() != 429 && outcome.others.size() < 3) {
            outcome.others.add(response.statusCode() + " " + response.body());
        }
        String policy = response.headers().firstValue("RateLimit-Policy").orElse(null);
        String limit = response.headers().firstValue("RateLimit").orElse(null);
        if (!("\"default\";q=" + BURST + ";w=1").equals(policy)
                || limit == null
                || !RATE_LIMIT.matcher(limit).matches()) {
            outcome.malformed.add(response.statusCode() + " RateLimit-Policy " + policy + ", RateLimit " + limit);
            return;
        }
        if (response.statusCode() != 429) {
            return;
        }
        String retryAfter = response.headers().firstValue("Retry-After").orElse("");
        try {
            JsonNode body = Json.mapper().readTree(response.body());
            boolean wellFormed = retryAfter.matches("[1-9]\\d*")
                    && response.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json")
                    && ProblemType.QUOTA_EXCEEDED_TYPE.equals(body.path("type").asText())
                    && body.path("status").asInt() == 429
                    && body.path("requestId").asText().startsWith("req_")
                    && limit.startsWith("\"default\";r=0;");
            if (!wellFormed) {
                outcome.malformed.add("429 Retry-After " + retryAfter + " RateLimit " + limit + " " + response.body());
            }
        } catch (Exception e) {
            outcome.malformed.add("429 unreadable body " + response.body());
        }
    }

    /** A tenant on a plan of 5 requests per second with a burst of 5, and a key of it. */
    private static String newTenantKey() throws Exception {
        String plan = "it-rl-" + Ids.randomBase62(6).toLowerCase(Locale.ROOT);
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("name", plan);
        limits.put("requestsPerSecond", RATE);
        limits.put("burst", BURST);
        limits.put("concurrentJobs", 1);
        limits.put("monthlyComputeUnits", 1_000_000L);
        limits.put("maxRequestBytes", 1_048_576L);
        limits.put("maxModelBytes", 52_428_800L);
        limits.put("storageBytes", 209_715_200L);
        limits.put("maxBatchRows", 10_000L);
        assertEquals(201, api.postJson("/admin/v1/plans", admin, limits).status());
        var tenant = api.postJson(
                "/admin/v1/tenants",
                admin,
                Map.of("name", "it-rl-" + Ids.randomBase62(8).toLowerCase(Locale.ROOT), "plan", plan));
        assertEquals(201, tenant.status(), tenant::toString);
        var key = api.postJson(
                "/admin/v1/tenants/" + tenant.json().path("id").asText() + "/api-keys", admin, Map.of("name", "it"));
        assertEquals(201, key.status(), key::toString);
        return key.json().path("key").asText();
    }
}
