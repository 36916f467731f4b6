package io.aiaas.worker.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.aiaas.common.auth.InternalKeyFiles;
import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.auth.InternalTokenVerifier;
import io.aiaas.common.auth.SigningKeys;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A model-service that answers the worker's calls as a test scripts it: statuses in turn, slow answers, stalled
 * bodies, wrong checksums. Every call must carry a valid worker token.
 */
public class StandInModelService implements QuarkusTestResourceLifecycleManager {
    /** What a job's next claims get, in turn: an HTTP status, or {@code "silent"} (no answer for 3 s); then 200. */
    static final Map<String, ConcurrentLinkedQueue<String>> claimAnswers = new ConcurrentHashMap<>();

    static final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    static final AtomicInteger unauthorized = new AtomicInteger();

    /**
     * The artifact served, and how: {@code ok}, {@code stall} (half the body, then silence), {@code silent} (no answer
     * for 4 s), {@code missing} (404), {@code bad-checksum}.
     */
    static volatile byte[] artifact = new byte[0];

    static volatile String artifactMode = "ok";

    private HttpServer server;
    private Path keys;
    private InternalTokenVerifier verifier;

    @Override
    public Map<String, String> start() {
        try {
            keys = Files.createTempDirectory("aiaas-worker-client-keys-");
            InternalKeyFiles files = InternalKeyFiles.ensure(keys);
            verifier =
                    new InternalTokenVerifier(SigningKeys.readJwks(files.jwks()), InternalToken.AUDIENCE_MODEL_SERVICE);
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/internal/v1/jobs/", this::claim);
            server.createContext("/internal/v1/artifacts/", this::artifact);
            server.createContext("/q/health/ready", exchange -> {
                try (exchange) {
                    respond(exchange, 200, "{\"status\":\"UP\"}");
                }
            });
            // a thread per call: the slow answers must not hold up the others
            server.setExecutor(Executors.newCachedThreadPool());
            server.start();
            return Map.of(
                    "aiaas.worker.model-service-url",
                    "http://127.0.0.1:" + server.getAddress().getPort(),
                    "aiaas.worker.auth.signing-key-file",
                    files.workerKey().toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
            ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
        }
        io.aiaas.common.archive.SavedModelArchive.deleteTree(keys);
    }

    static void answer(String jobId, String... answers) {
        claimAnswers.computeIfAbsent(jobId, k -> new ConcurrentLinkedQueue<>()).addAll(java.util.List.of(answers));
    }

    static int callsOf(String key) {
        AtomicInteger n = calls.get(key);
        return n == null ? 0 : n.get();
    }

    private boolean authorized(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        String token = header != null && header.startsWith("Bearer ") ? header.substring(7) : null;
        boolean ok = verifier.verify(token)
                .filter(t -> InternalToken.ISSUER_WORKER.equals(t.iss()))
                .isPresent();
        if (!ok) {
            unauthorized.incrementAndGet();
        }
        return ok;
    }

    private void claim(HttpExchange exchange) throws IOException {
        try {
            // POST /internal/v1/jobs/claims {"workerId","jobs":[one job id]}
            String jobId = io.aiaas.common.json.Json.mapper()
                    .readTree(exchange.getRequestBody())
                    .path("jobs")
                    .path(0)
                    .asText();
            calls.computeIfAbsent("claim:" + jobId, k -> new AtomicInteger()).incrementAndGet();
            if (!authorized(exchange)) {
                respond(exchange, 401, "{}");
                return;
            }
            ConcurrentLinkedQueue<String> answers = claimAnswers.get(jobId);
            String answer = answers == null ? null : answers.poll();
            if ("silent".equals(answer)) {
                sleep(3000);
                return;
            }
            int status = answer == null ? 200 : Integer.parseInt(answer);
            respond(
                    exchange,
                    status,
                    status == 200
                            ? "{\"claims\":[{\"jobId\":\"" + jobId + "\",\"proceed\":true,\"attempt\":1}]}"
                            : "{}");
        } finally {
            exchange.close();
        }
    }

    private void artifact(HttpExchange exchange) throws IOException {
        try {
            calls.computeIfAbsent("artifact", k -> new AtomicInteger()).incrementAndGet();
            if (!authorized(exchange)) {
                respond(exchange, 401, "{}");
                return;
            }
            String mode = artifactMode;
            if (mode.equals("silent")) {
                sleep(4000);
                return;
            }
            if (mode.equals("missing")) {
                respond(exchange, 404, "{}");
                return;
            }
            byte[] bytes = artifact;
            String sha = mode.equals("bad-checksum") ? "0".repeat(64) : ArtifactCallsTest.sha256(bytes);
            exchange.getResponseHeaders().add("Content-Type", "application/zip");
            exchange.getResponseHeaders().add("X-Artifact-Sha256", sha);
            exchange.sendResponseHeaders(200, bytes.length);
            OutputStream out = exchange.getResponseBody();
            if (mode.equals("stall")) {
                out.write(bytes, 0, bytes.length / 2);
                out.flush();
                sleep(4000);
                return;
            }
            out.write(bytes);
        } finally {
            exchange.close();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
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
