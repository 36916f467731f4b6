package io.aiaas.worker.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aiaas.common.auth.InternalKeyFiles;
import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.auth.InternalTokenVerifier;
import io.aiaas.common.auth.SigningKeys;
import io.aiaas.common.events.JobRequest;
import io.aiaas.common.json.Json;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
 * this installation's keys). Tests script it: held claims and downloads, outages, cancel and lost answers. A Vert.x
 * server, its handlers on threads of their own (they may be held): the JDK's HttpServer stopped accepting connections
 * here once clients abandoned held requests.
 */
public class FakeModelService implements QuarkusTestResourceLifecycleManager {
    /** A claim as model-service saw it. */
    public record Claim(String jobId, String workerId, InternalToken token) {}

    /** A release as model-service saw it. */
    public record Released(String jobId, JsonNode body) {}

    private record Artifact(byte[] bytes, String sha256) {}

    private record Dataset(byte[] csv, String sha256, String label, long rows) {}

    /** A part of a batch job's output as stored. */
    public record Part(long from, long to, int attempt, String ndjson) {}

    static volatile FakeModelService instance;

    final List<Claim> claims = new CopyOnWriteArrayList<>();
    /** Jobs whose claim reached this service (answered or held). */
    final Set<String> claimRequested = ConcurrentHashMap.newKeySet();

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
    private final Map<String, Dataset> datasets = new ConcurrentHashMap<>();
    /** Batch jobs' checkpoints (rows stored by an earlier attempt), answered with their claims. */
    final Map<String, Long> checkpoints = new ConcurrentHashMap<>();
    /** Batch jobs' stored output parts, in order. */
    final Map<String, List<Part>> outputs = new ConcurrentHashMap<>();
    /** Jobs whose output parts are refused with 409 (the lease is no longer the worker's). */
    final Set<String> refuseOutput = ConcurrentHashMap.newKeySet();

    final AtomicInteger outputsRefused = new AtomicInteger();
    /** One call: what the handlers read, and how they answer. */
    private static final class Exchange {
        final HttpServerRequest request;
        final String body;

        Exchange(HttpServerRequest request, String body) {
            this.request = request;
            this.body = body;
        }

        String method() {
            return request.method().name();
        }

        String path() {
            return request.path();
        }

        String header(String name) {
            return request.getHeader(name);
        }

        void respond(int status, String contentType, Map<String, String> headers, byte[] bytes) {
            var response = request.response().setStatusCode(status);
            if (contentType != null) {
                response.putHeader("Content-Type", contentType);
            }
            headers.forEach(response::putHeader);
            response.end(Buffer.buffer(bytes));
        }
    }

    private interface Handler {
        void handle(Exchange exchange) throws IOException;
    }

    private Vertx vertx;
    private HttpServer server;
    private int port;
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
            threads = Executors.newCachedThreadPool();
            vertx = Vertx.vertx();
            server = vertx.createHttpServer().requestHandler(request -> request.body()
                    .onSuccess(body -> threads.execute(() -> route(new Exchange(request, body.toString())))));
            port = server.listen(0, "127.0.0.1")
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS)
                    .actualPort();
            instance = this;
            Map<String, String> config = new HashMap<>();
            config.put("aiaas.worker.model-service-url", "http://127.0.0.1:" + port);
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
            config.put("aiaas.worker.platform-retry.give-up-after", "8s");
            config.put("aiaas.worker.shutdown-grace", "2s");
            // The download breaker reopens after 1 s here (10 s in production), so outages of a few seconds end in
            // time.
            config.put(
                    "quarkus.fault-tolerance.\"io.aiaas.worker.client.ModelServiceCalls/download\".circuit-breaker.delay",
                    "1");
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("the stand-in model-service did not start", e);
        }
    }

    private void route(Exchange exchange) {
        String path = exchange.path();
        Handler handler;
        if (path.startsWith("/internal/v1/jobs/")) {
            handler = this::job;
        } else if (path.startsWith("/internal/v1/workers/")) {
            handler = this::heartbeat;
        } else if (path.startsWith("/internal/v1/artifacts/")) {
            handler = this::artifact;
        } else if (path.startsWith("/internal/v1/datasets/")) {
            handler = this::dataset;
        } else if (path.equals("/q/health/ready")) {
            handler = e -> respond(e, 200, "{\"status\":\"UP\"}");
        } else {
            handler = e -> respond(e, 404, "{}");
        }
        try {
            handler.handle(exchange);
        } catch (Exception e) {
            exchange.respond(500, null, Map.of(), new byte[0]);
        }
    }

    @Override
    public void stop() {
        if (server != null) {
            gates.values().forEach(CountDownLatch::countDown);
            claimGates.values().forEach(CountDownLatch::countDown);
            server.close();
            vertx.close();
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

    void addDataset(String datasetId, String csv, String label, long rows) throws Exception {
        byte[] bytes = csv.getBytes(StandardCharsets.UTF_8);
        String sha =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        datasets.put(datasetId, new Dataset(bytes, sha, label, rows));
    }

    List<Part> outputOf(String jobId) {
        return outputs.getOrDefault(jobId, List.of());
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

    private Optional<InternalToken> authorize(Exchange exchange) {
        String header = exchange.header("Authorization");
        String token = header != null && header.startsWith("Bearer ") ? header.substring(7) : null;
        Optional<InternalToken> verified =
                verifier.verify(token).filter(t -> InternalToken.ISSUER_WORKER.equals(t.iss()) && t.hasRole("service"));
        if (verified.isEmpty()) {
            unauthorized.incrementAndGet();
        }
        return verified;
    }

    private void job(Exchange exchange) throws IOException {
        {
            String[] parts = exchange.path().split("/");
            // /internal/v1/jobs/claims, /internal/v1/jobs/{jobId}/release
            boolean claims = parts.length == 5 && "claims".equals(parts[4]);
            if (parts.length == 6 && "output".equals(parts[5]) && "PUT".equals(exchange.method())) {
                if (authorize(exchange).isEmpty()) {
                    respond(exchange, 401, "{}");
                    return;
                }
                output(exchange, parts[4]);
                return;
            }
            if (!"POST".equals(exchange.method()) || (parts.length != 6 && !claims)) {
                respond(exchange, 404, "{}");
                return;
            }
            Optional<InternalToken> token = authorize(exchange);
            if (token.isEmpty()) {
                respond(exchange, 401, "{}");
                return;
            }
            if (claims) {
                claims(exchange, token.get());
                return;
            }
            String jobId = parts[4];
            JsonNode body = Json.mapper().readTree(exchange.body);
            if ("release".equals(parts[5])) {
                releases.add(new Released(jobId, body));
                exchange.respond(204, null, Map.of(), new byte[0]);
                return;
            }
            respond(exchange, 404, "{}");
        }
    }

    /** {@code POST /internal/v1/jobs/claims}: an answer per job, each held while its job's claims are held. */
    private void claims(Exchange exchange, InternalToken token) throws IOException {
        JsonNode body = Json.mapper().readTree(exchange.body);
        String workerId = body.path("workerId").asText(null);
        List<String> ids = new ArrayList<>();
        body.path("jobs").forEach(id -> ids.add(id.asText()));
        claimRequested.addAll(ids);
        for (String jobId : ids) {
            CountDownLatch gate = claimGates.get(jobId);
            if (gate != null) {
                await(gate);
            }
        }
        ObjectNode answer = Json.mapper().createObjectNode();
        var entries = answer.putArray("claims");
        for (String jobId : ids) {
            claims.add(new Claim(jobId, workerId, token));
            ObjectNode entry = entries.addObject().put("jobId", jobId);
            JobRequest job = jobs.get(jobId);
            if (job == null) {
                entry.put("proceed", false).put("attempt", 0).put("status", "unknown");
                continue;
            }
            int attempt =
                    attempts.computeIfAbsent(jobId, k -> new AtomicInteger()).incrementAndGet();
            entry.put("attempt", attempt);
            if (refused.contains(jobId)) {
                entry.put("proceed", false).put("status", "cancelled");
            } else {
                ObjectNode whole = Json.mapper().valueToTree(job);
                Integer maxRuntime = maxRuntimes.get(jobId);
                if (maxRuntime != null) {
                    whole.put("maxRuntimeSeconds", maxRuntime);
                }
                entry.put("proceed", true)
                        .put("leaseExpiresAt", Instant.now().plusSeconds(3).toString())
                        .set("job", whole);
                Long checkpoint = checkpoints.get(jobId);
                if (checkpoint != null) {
                    entry.putObject("checkpoint").put("rows", checkpoint);
                }
            }
        }
        respond(exchange, 200, Json.write(answer));
    }

    private void heartbeat(Exchange exchange) throws IOException {
        {
            if (!"PUT".equals(exchange.method())) {
                respond(exchange, 405, "{}");
                return;
            }
            if (authorize(exchange).isEmpty()) {
                respond(exchange, 401, "{}");
                return;
            }
            ObjectNode beat = (ObjectNode) Json.mapper().readTree(exchange.body);
            beat.put("workerIdInPath", exchange.path().substring("/internal/v1/workers/".length()));
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
        }
    }

    private void artifact(Exchange exchange) throws IOException {
        {
            if (authorize(exchange).isEmpty()) {
                respond(exchange, 401, "{}");
                return;
            }
            String key = exchange.path().substring("/internal/v1/artifacts/".length());
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
            exchange.respond(200, "application/zip", Map.of("X-Artifact-Sha256", artifact.sha256()), artifact.bytes());
        }
    }

    /** {@code PUT /internal/v1/jobs/{id}/output}: a part must start where the stored rows end. */
    private synchronized void output(Exchange exchange, String jobId) {
        if (refuseOutput.contains(jobId)) {
            outputsRefused.incrementAndGet();
            respond(exchange, 409, "{\"detail\":\"not the lease holder\"}");
            return;
        }
        long from = Long.parseLong(exchange.request.getParam("from"));
        long to = Long.parseLong(exchange.request.getParam("to"));
        int attempt = Integer.parseInt(exchange.request.getParam("attempt"));
        List<Part> parts = outputs.computeIfAbsent(jobId, k -> new CopyOnWriteArrayList<>());
        long done = parts.isEmpty()
                ? checkpoints.getOrDefault(jobId, 0L)
                : parts.get(parts.size() - 1).to();
        if (from != done || to <= from) {
            respond(exchange, 409, "{\"detail\":\"the output holds rows up to " + done + "\"}");
            return;
        }
        parts.add(new Part(from, to, attempt, exchange.body));
        respond(exchange, 200, "{\"from\":" + from + ",\"to\":" + to + ",\"rowsDone\":" + to + "}");
    }

    private void dataset(Exchange exchange) {
        if (authorize(exchange).isEmpty()) {
            respond(exchange, 401, "{}");
            return;
        }
        Dataset dataset = datasets.get(exchange.path().substring("/internal/v1/datasets/".length()));
        if (dataset == null) {
            respond(exchange, 404, "{}");
            return;
        }
        exchange.respond(
                200,
                "text/csv",
                Map.of(
                        "X-Artifact-Sha256",
                        dataset.sha256(),
                        "X-Dataset-Label",
                        java.net.URLEncoder.encode(dataset.label(), StandardCharsets.UTF_8),
                        "X-Dataset-Rows",
                        String.valueOf(dataset.rows())),
                dataset.csv());
    }

    private static void await(CountDownLatch gate) {
        try {
            gate.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void respond(Exchange exchange, int status, String json) {
        exchange.respond(status, "application/json", Map.of(), json.getBytes(StandardCharsets.UTF_8));
    }
}
