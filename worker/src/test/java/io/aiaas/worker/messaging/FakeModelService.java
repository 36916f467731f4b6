package io.aiaas.worker.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.aiaas.common.auth.InternalKeyFiles;
import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.auth.InternalTokenVerifier;
import io.aiaas.common.auth.SigningKeys;
import io.aiaas.common.events.JobRequest;
import io.aiaas.common.json.Json;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plays model-service's side of the job protocol for the worker: claims (answering the whole job), heartbeats,
 * releases and artifacts, each refusing calls without a valid worker service token (verified against the JWKS of
 * this installation's keys). Tests script it: held claims and downloads, outages, cancel and lost answers.
 */
public class FakeModelService implements QuarkusTestResourceLifecycleManager {
    /** A claim as model-service saw it. */
    public record Claim(String jobId, String workerId, InternalToken token) {}

    /** A release as model-service saw it. */
    public record Released(String jobId, JsonNode body) {}

    private record Artifact(byte[] bytes, String sha256) {}

    static volatile FakeModelService instance;

    final List<Claim> claims = new CopyOnWriteArrayList<>();
    final List<JsonNode> heartbeats = new CopyOnWriteArrayList<>();
    final List<Released> releases = new CopyOnWriteArrayList<>();
    final AtomicInteger unauthorized = new AtomicInteger();
    /** Jobs whose claims answer {@code proceed:false}. */
    final Set<String> refused = ConcurrentHashMap.newKeySet();
    /** Jobs the next heartbeat answers list as cancelled, or as lost. */
    final Set<String> cancelOnHeartbeat = ConcurrentHashMap.newKeySet();

    final Set<String> lostOnHeartbeat = ConcurrentHashMap.newKeySet();
    /** Requests per artifact ({@code modelId/version}). */
    final Map<String, AtomicInteger> artifactRequests = new ConcurrentHashMap<>();

    private final Map<String, JobRequest> jobs = new ConcurrentHashMap<>();
    private final Map<String, Integer> maxRuntimes = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    private final Map<String, Artifact> artifacts = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> claimGates = new ConcurrentHashMap<>();
    private final Map<String, Instant> outages = new ConcurrentHashMap<>();
    private HttpServer server;
    private ExecutorService threads;
    private Path keys;
    private InternalTokenVerifier verifier;

    @Override
    public Map<String, String> start() {
        try {
            keys = Files.createTempDirectory("aiaas-worker-keys-");
            InternalKeyFiles files = InternalKeyFiles.ensure(keys);
            verifier =
                    new InternalTokenVerifier(SigningKeys.readJwks(files.jwks()), InternalToken.AUDIENCE_MODEL_SERVICE);
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/internal/v1/jobs/", this::job);
            server.createContext("/internal/v1/workers/", this::heartbeat);
            server.createContext("/internal/v1/artifacts/", this::artifact);
            server.createContext("/q/health/ready", exchange -> respond(exchange, 200, "{\"status\":\"UP\"}"));
            threads = Executors.newFixedThreadPool(24);
            server.setExecutor(threads);
            server.start();
            instance = this;
            Map<String, String> config = new HashMap<>();
            config.put(
                    "aiaas.worker.model-service-url",
                    "http://127.0.0.1:" + server.getAddress().getPort());
            config.put("aiaas.worker.auth.signing-key-file", files.workerKey().toString());
            config.put("aiaas.worker.id", "worker-test-1");
            config.put("aiaas.worker.kafka.retry-backoff", "200ms");
            config.put("aiaas.worker.kafka.retry-backoff-max", "1s");
            // Far below the longest job of the tests: the intake must keep polling while jobs run.
            config.put("aiaas.worker.kafka.max-poll-interval", "3s");
            config.put("aiaas.worker.kafka.commit-interval", "100ms");
            config.put("aiaas.worker.heartbeat-interval", "300ms");
            config.put("aiaas.worker.concurrency.inference", "2");
            config.put("aiaas.worker.concurrency.queue-factor", "1");
            config.put("aiaas.worker.platform-retry.backoff", "200ms");
            config.put("aiaas.worker.platform-retry.backoff-max", "800ms");
            config.put("aiaas.worker.platform-retry.give-up-after", "5s");
            config.put("aiaas.worker.shutdown-grace", "2s");
            // The download breaker reopens after 1 s here (10 s in production), so outages of a few seconds end in
            // time.
            config.put(
                    "quarkus.fault-tolerance.\"io.aiaas.worker.client.ModelServiceCalls/download\".circuit-breaker.delay",
                    "1");
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        if (server != null) {
            gates.values().forEach(CountDownLatch::countDown);
            claimGates.values().forEach(CountDownLatch::countDown);
            server.stop(0);
            threads.shutdownNow();
        }
        io.aiaas.common.archive.SavedModelArchive.deleteTree(keys);
    }

    /** The whole job (inputs included), as the claim answers it; the dispatch record carries it without inputs. */
    void register(JobRequest job) {
        jobs.put(job.jobId(), job);
    }

    void maxRuntime(String jobId, int seconds) {
        maxRuntimes.put(jobId, seconds);
    }

    void addArtifact(String modelId, int version, byte[] zip) throws Exception {
        String sha =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(zip));
        artifacts.put(modelId + "/" + version, new Artifact(zip, sha));
    }

    /** Holds downloads of this artifact until the returned latch is released. */
    CountDownLatch gate(String modelId, int version) {
        CountDownLatch latch = new CountDownLatch(1);
        gates.put(modelId + "/" + version, latch);
        return latch;
    }

    /** Holds the answers to claims of this job until the returned latch is released. */
    CountDownLatch holdClaims(String jobId) {
        CountDownLatch latch = new CountDownLatch(1);
        claimGates.put(jobId, latch);
        return latch;
    }

    /** This artifact answers 503 for {@code duration}. */
    void outage(String modelId, int version, Duration duration) {
        outages.put(modelId + "/" + version, Instant.now().plus(duration));
    }

    List<Claim> claimsOf(String jobId) {
        return claims.stream().filter(c -> c.jobId().equals(jobId)).toList();
    }

    List<Released> releasesOf(String jobId) {
        return releases.stream().filter(r -> r.jobId().equals(jobId)).toList();
    }

    private Optional<InternalToken> authorize(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        String token = header != null && header.startsWith("Bearer ") ? header.substring(7) : null;
        Optional<InternalToken> verified =
                verifier.verify(token).filter(t -> InternalToken.ISSUER_WORKER.equals(t.iss()) && t.hasRole("service"));
        if (verified.isEmpty()) {
            unauthorized.incrementAndGet();
        }
        return verified;
    }

    private void job(HttpExchange exchange) throws IOException {
        try {
            String[] parts = exchange.getRequestURI().getPath().split("/");
            // /internal/v1/jobs/{jobId}/claim|release
            if (!"POST".equals(exchange.getRequestMethod()) || parts.length != 6) {
                respond(exchange, 404, "{}");
                return;
            }
            Optional<InternalToken> token = authorize(exchange);
            if (token.isEmpty()) {
                respond(exchange, 401, "{}");
                return;
            }
            String jobId = parts[4];
            JsonNode body = Json.mapper().readTree(exchange.getRequestBody());
            if ("release".equals(parts[5])) {
                releases.add(new Released(jobId, body));
                exchange.sendResponseHeaders(204, -1);
                return;
            }
            if (!"claim".equals(parts[5])) {
                respond(exchange, 404, "{}");
                return;
            }
            CountDownLatch gate = claimGates.get(jobId);
            if (gate != null) {
                await(gate);
            }
            claims.add(new Claim(jobId, body.path("workerId").asText(null), token.get()));
            JobRequest job = jobs.get(jobId);
            if (job == null) {
                respond(exchange, 404, "{}");
                return;
            }
            int attempt =
                    attempts.computeIfAbsent(jobId, k -> new AtomicInteger()).incrementAndGet();
            ObjectNode answer = Json.mapper().createObjectNode();
            answer.put("attempt", attempt);
            if (refused.contains(jobId)) {
                answer.put("proceed", false).put("status", "cancelled");
            } else {
                ObjectNode whole = Json.mapper().valueToTree(job);
                Integer maxRuntime = maxRuntimes.get(jobId);
                if (maxRuntime != null) {
                    whole.put("maxRuntimeSeconds", maxRuntime);
                }
                answer.put("proceed", true)
                        .put("leaseExpiresAt", Instant.now().plusSeconds(3).toString())
                        .set("job", whole);
            }
            respond(exchange, 200, Json.write(answer));
        } finally {
            exchange.close();
        }
    }

    private void heartbeat(HttpExchange exchange) throws IOException {
        try {
            if (!"PUT".equals(exchange.getRequestMethod())) {
                respond(exchange, 405, "{}");
                return;
            }
            if (authorize(exchange).isEmpty()) {
                respond(exchange, 401, "{}");
                return;
            }
            ObjectNode beat = (ObjectNode) Json.mapper().readTree(exchange.getRequestBody());
            beat.put("workerIdInPath", exchange.getRequestURI().getPath().substring("/internal/v1/workers/".length()));
            heartbeats.add(beat);
            ObjectNode answer = Json.mapper().createObjectNode();
            answer.put("leaseExpiresAt", Instant.now().plusSeconds(3).toString());
            var cancel = answer.putArray("cancel");
            var lost = answer.putArray("lost");
            for (JsonNode running : beat.path("runningJobs")) {
                String jobId = running.path("jobId").asText();
                if (cancelOnHeartbeat.contains(jobId)) {
                    cancel.add(jobId);
                }
                if (lostOnHeartbeat.contains(jobId)) {
                    lost.add(jobId);
                }
            }
            respond(exchange, 200, Json.write(answer));
        } finally {
            exchange.close();
        }
    }

    private void artifact(HttpExchange exchange) throws IOException {
        try {
            if (authorize(exchange).isEmpty()) {
                respond(exchange, 401, "{}");
                return;
            }
            String key = exchange.getRequestURI().getPath().substring("/internal/v1/artifacts/".length());
            artifactRequests.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            Instant outageUntil = outages.get(key);
            if (outageUntil != null && Instant.now().isBefore(outageUntil)) {
                respond(exchange, 503, "{}");
                return;
            }
            CountDownLatch gate = gates.get(key);
            if (gate != null) {
                await(gate);
            }
            Artifact artifact = artifacts.get(key);
            if (artifact == null) {
                respond(exchange, 404, "{}");
                return;
            }
            exchange.getResponseHeaders().add("Content-Type", "application/zip");
            exchange.getResponseHeaders().add("X-Artifact-Sha256", artifact.sha256());
            exchange.sendResponseHeaders(200, artifact.bytes().length);
            exchange.getResponseBody().write(artifact.bytes());
        } finally {
            exchange.close();
        }
    }

    private static void await(CountDownLatch gate) {
        try {
            gate.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }
}
