package io.aiaas.worker.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.aiaas.common.auth.InternalKeyFiles;
import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.auth.InternalTokenVerifier;
import io.aiaas.common.auth.SigningKeys;
import io.aiaas.common.json.Json;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plays model-service for the worker: its claim and artifact endpoints only, each refusing calls without a valid
 * worker service token (verified against the JWKS of this installation's keys).
 */
public class FakeModelService implements QuarkusTestResourceLifecycleManager {
    /** A claim as model-service saw it. */
    public record Claim(String jobId, String workerId, InternalToken token) {}

    private record Artifact(byte[] bytes, String sha256) {}

    static volatile FakeModelService instance;

    final List<Claim> claims = new CopyOnWriteArrayList<>();
    final AtomicInteger unauthorized = new AtomicInteger();
    final Set<String> refused = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    private final Map<String, Artifact> artifacts = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
    private HttpServer server;
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
            server.createContext("/internal/v1/jobs/", this::claim);
            server.createContext("/internal/v1/artifacts/", this::artifact);
            server.createContext("/q/health/ready", exchange -> respond(exchange, 200, "{\"status\":\"UP\"}"));
            server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
            server.start();
            instance = this;
            return Map.of(
                    "aiaas.worker.model-service-url",
                    "http://127.0.0.1:" + server.getAddress().getPort(),
                    "aiaas.worker.auth.signing-key-file",
                    files.workerKey().toString(),
                    "aiaas.worker.kafka.retry-backoff",
                    "200ms",
                    "aiaas.worker.kafka.retry-backoff-max",
                    "1s");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        if (server != null) {
            gates.values().forEach(CountDownLatch::countDown);
            server.stop(0);
            ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
        }
        io.aiaas.common.archive.SavedModelArchive.deleteTree(keys);
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

    List<Claim> claimsOf(String jobId) {
        return claims.stream().filter(c -> c.jobId().equals(jobId)).toList();
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

    private void claim(HttpExchange exchange) throws IOException {
        try {
            String[] parts = exchange.getRequestURI().getPath().split("/");
            // /internal/v1/jobs/{jobId}/claim
            if (!"POST".equals(exchange.getRequestMethod()) || parts.length != 6 || !"claim".equals(parts[5])) {
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
            claims.add(new Claim(jobId, body.path("workerId").asText(null), token.get()));
            int attempt =
                    attempts.computeIfAbsent(jobId, k -> new AtomicInteger()).incrementAndGet();
            if (refused.contains(jobId)) {
                respond(exchange, 200, "{\"proceed\":false,\"attempt\":" + attempt + ",\"status\":\"cancelled\"}");
            } else {
                respond(exchange, 200, "{\"proceed\":true,\"attempt\":" + attempt + "}");
            }
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
            CountDownLatch gate = gates.get(key);
            if (gate != null) {
                try {
                    gate.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
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

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }
}
