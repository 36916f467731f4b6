package io.aiaas.worker.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.archive.SavedModelArchive;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.json.Json;
import io.aiaas.worker.config.WorkerConfig;
import io.aiaas.worker.config.WorkerIdentity;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.vertx.core.http.HttpClientOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.ext.ContextResolver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * The calls to model-service with their fault tolerance: a few quick retries for failures that a second try may not
 * meet (model-service restarting, a connection refused), and a circuit breaker per call that stops calling a
 * model-service which keeps failing, so jobs wait on Kafka rather than hammer it. Timeouts are the REST client's: a
 * claim must answer within {@code aiaas.worker.http.request-timeout}; an artifact's body may take as long as it
 * needs but must not stall longer than {@code aiaas.worker.http.artifact-read-timeout}.
 *
 * <p>The public {@link ModelServiceClient} and {@link ArtifactClient} turn what the breaker throws into
 * {@link ModelServiceUnavailableException}, so their callers see one kind of transient failure.
 */
@ApplicationScoped
public class ModelServiceCalls {
    private static final Logger LOG = Logger.getLogger(ModelServiceCalls.class);

    /** A claim whose request may have reached model-service: retrying it could count an attempt twice. */
    static final class ClaimOutcomeUnknown extends ModelServiceUnavailableException {
        ClaimOutcomeUnknown(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The archive of a version as downloaded, checked against model-service's checksum. */
    record Download(SavedModelArchive.Format format, String sha256) {}

    private final ModelServiceApi calls;
    private final ModelServiceApi downloads;
    /**
     * Streams datasets. The JDK's client rather than the REST client: the REST client's blocking {@code InputStream}
     * over Vert.x hands a large body over in small pieces between threads, and a batch run reading a 183 MB CSV through
     * it waited for bytes about half the time; the JDK client's stream hands over whole buffers.
     */
    private final java.net.http.HttpClient streams;

    private final URI base;
    private final ServiceTokens tokens;
    private final WorkerIdentity identity;

    public ModelServiceCalls(WorkerConfig config, ServiceTokens tokens, WorkerIdentity identity) {
        URI base = URI.create(config.modelServiceUrl());
        long connect = config.http().connectTimeout().toMillis();
        // every status is an answer to interpret here, not an exception of the client's own
        this.calls = QuarkusRestClientBuilder.newBuilder()
                .baseUri(base)
                .connectTimeout(connect, TimeUnit.MILLISECONDS)
                .readTimeout(config.http().requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .disableDefaultMapper(true)
                .build(ModelServiceApi.class);
        // The client's read timeout ends when the answer's head arrives; a stalled body is cut by the connection's
        // idle timeout instead, which counts silence in either direction.
        long idle = config.http().artifactReadTimeout().toMillis();
        this.downloads = QuarkusRestClientBuilder.newBuilder()
                .baseUri(base)
                .connectTimeout(connect, TimeUnit.MILLISECONDS)
                .readTimeout(idle, TimeUnit.MILLISECONDS)
                .register(new ConnectionOptions((int) connect, idle))
                .disableDefaultMapper(true)
                .build(ModelServiceApi.class);
        this.tokens = tokens;
        this.identity = identity;
        this.base = base;
        this.streams = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.http().connectTimeout())
                .build();
    }

    /**
     * Claims {@code jobId}. Retried only when the claim surely did not count (refused connection, an answered 5xx or
     * 429); a timeout is left to the job loop, whose redelivery claims again as the next attempt.
     */
    @Retry(
            maxRetries = 2,
            delay = 200,
            jitter = 100,
            delayUnit = ChronoUnit.MILLIS,
            retryOn = ModelServiceUnavailableException.class,
            abortOn = ClaimOutcomeUnknown.class)
    @CircuitBreaker(
            requestVolumeThreshold = 8,
            failureRatio = 0.75,
            delay = 10,
            delayUnit = ChronoUnit.SECONDS,
            failOn = ModelServiceUnavailableException.class)
    public Map<String, ClaimResult> claimAll(List<String> jobIds, String requestId) {
        RestResponse<String> response;
        String what = jobIds.size() == 1 ? "claim of " + jobIds.get(0) : "claim of " + jobIds.size() + " jobs";
        try {
            // A token for no tenant: one claim carries jobs of many tenants; model-service checks each job.
            response = calls.claimAll(
                    bearer(null), requestId, Json.write(Map.of("workerId", identity.workerId(), "jobs", jobIds)));
        } catch (ProcessingException e) {
            if (refusedConnection(e)) {
                throw new ModelServiceUnavailableException(what + " failed: " + rootMessage(e), e);
            }
            throw new ClaimOutcomeUnknown(what + " got no answer: " + rootMessage(e), e);
        }
        int status = response.getStatus();
        if (status == 200) {
            Map<String, ClaimResult> answers = new HashMap<>();
            try {
                for (JsonNode entry :
                        Json.mapper().readTree(response.getEntity()).path("claims")) {
                    answers.put(entry.path("jobId").asText(), Json.mapper().treeToValue(entry, ClaimResult.class));
                }
            } catch (IOException e) {
                throw new ClaimOutcomeUnknown("unreadable answer to the " + what, e);
            }
            for (String id : jobIds) {
                if (!answers.containsKey(id)) {
                    throw new ClaimOutcomeUnknown("the answer to the " + what + " lacks job " + id, null);
                }
            }
            return answers;
        }
        // 401/403 are a configuration fault of this installation, 5xx and 429 pass: either way the jobs wait.
        throw new ModelServiceUnavailableException(what + " answered HTTP " + status);
    }

    /**
     * Hands a claimed job back. Idempotent at model-service, so retried like a claim that surely did not count, and
     * also after a timeout.
     */
    @Retry(
            maxRetries = 2,
            delay = 200,
            jitter = 100,
            delayUnit = ChronoUnit.MILLIS,
            retryOn = ModelServiceUnavailableException.class)
    public void release(String jobId, String tenantId, String requestId, Release release) {
        RestResponse<String> response;
        try {
            response = calls.release(jobId, bearer(tenantId), requestId, Json.write(release));
        } catch (ProcessingException e) {
            throw new ModelServiceUnavailableException("release of " + jobId + " failed: " + rootMessage(e), e);
        }
        int status = response.getStatus();
        if (status == 404) {
            LOG.warnf("model-service does not know job %s; nothing to release", jobId);
        } else if (status / 100 != 2) {
            throw new ModelServiceUnavailableException("release of " + jobId + " answered HTTP " + status);
        }
    }

    /** Sends one heartbeat. Not retried: the next one follows within the heartbeat interval. */
    public Heartbeat.Answer heartbeat(Heartbeat.Request heartbeat) {
        RestResponse<String> response;
        try {
            response = calls.heartbeat(identity.workerId(), bearer(null), Json.write(heartbeat));
        } catch (ProcessingException e) {
            throw new ModelServiceUnavailableException("heartbeat failed: " + rootMessage(e), e);
        }
        if (response.getStatus() != 200) {
            throw new ModelServiceUnavailableException("heartbeat answered HTTP " + response.getStatus());
        }
        try {
            return Json.mapper().readValue(response.getEntity(), Heartbeat.Answer.class);
        } catch (IOException e) {
            throw new ModelServiceUnavailableException("unreadable heartbeat answer", e);
        }
    }

    /**
     * Downloads a version's archive to {@code file}, checking it against {@code X-Artifact-Sha256}. Retried once
     * (a download is idempotent); a damaged transfer counts as a failure to retry.
     *
     * @throws ArtifactUnavailableException when the artifact is gone or of an unknown format (not retried)
     */
    @Retry(maxRetries = 1, delay = 500, delayUnit = ChronoUnit.MILLIS, retryOn = ModelServiceUnavailableException.class)
    @CircuitBreaker(
            requestVolumeThreshold = 4,
            failureRatio = 0.75,
            delay = 10,
            delayUnit = ChronoUnit.SECONDS,
            failOn = ModelServiceUnavailableException.class)
    public Download download(String modelId, int version, String tenantId, String requestId, Path file) {
        String what = "artifact " + modelId + "/" + version;
        RestResponse<InputStream> response;
        try {
            response = downloads.artifact(modelId, version, bearer(tenantId), requestId);
        } catch (ProcessingException e) {
            throw new ModelServiceUnavailableException("download of " + what + " failed: " + rootMessage(e), e);
        }
        try (InputStream body = response.getEntity()) {
            int status = response.getStatus();
            if (status == 404 || status == 410) {
                throw new ArtifactUnavailableException("The model version's artifact is no longer available.");
            }
            if (status != 200) {
                throw new ModelServiceUnavailableException(what + " answered HTTP " + status);
            }
            SavedModelArchive.Format format;
            try {
                format = SavedModelArchive.Format.fromContentType(response.getHeaderString("Content-Type"));
            } catch (ApiException e) {
                throw new ArtifactUnavailableException("The model version's artifact has an unknown format.");
            }
            String expected = response.getHeaderString(ArtifactClient.SHA256_HEADER);
            String actual = copy(body, file);
            if (expected == null || !expected.trim().equalsIgnoreCase(actual)) {
                discard(file);
                throw new ModelServiceUnavailableException(
                        what + " does not match its checksum (expected " + expected + ", got " + actual + ")");
            }
            return new Download(format, actual);
        } catch (IOException | ProcessingException e) {
            // the body stalled past the read timeout, or the connection broke
            discard(file);
            throw new ModelServiceUnavailableException("download of " + what + " failed: " + rootMessage(e), e);
        }
    }

    /**
     * Opens a dataset's CSV for a batch run, acting for its tenant. Retried once; the caller reads and closes it.
     *
     * @throws ArtifactUnavailableException when the dataset is gone (not retried)
     */
    @Retry(maxRetries = 1, delay = 500, delayUnit = ChronoUnit.MILLIS, retryOn = ModelServiceUnavailableException.class)
    public DatasetDownload dataset(String datasetId, String tenantId, String requestId) {
        String what = "dataset " + datasetId;
        java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(base.resolve(
                        "/internal/v1/datasets/" + java.net.URLEncoder.encode(datasetId, StandardCharsets.UTF_8)))
                .header("Authorization", bearer(tenantId))
                .timeout(java.time.Duration.ofSeconds(60))
                .GET();
        if (requestId != null) {
            request.header("X-Request-Id", requestId);
        }
        java.net.http.HttpResponse<InputStream> response;
        try {
            response = streams.send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new ModelServiceUnavailableException("download of " + what + " failed: " + rootMessage(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelServiceUnavailableException("download of " + what + " was interrupted", e);
        }
        InputStream body = response.body();
        int status = response.statusCode();
        if (status != 200) {
            closeQuietly(body);
            if (status == 404) {
                throw new ArtifactUnavailableException("The job's dataset is no longer available.");
            }
            throw new ModelServiceUnavailableException(what + " answered HTTP " + status);
        }
        String label = response.headers().firstValue("X-Dataset-Label").orElse(null);
        String rows = response.headers().firstValue("X-Dataset-Rows").orElse(null);
        if (label == null || rows == null) {
            closeQuietly(body);
            throw new ModelServiceUnavailableException(what + " came without its label column and rows");
        }
        return new DatasetDownload(
                body,
                response.headers().firstValue(ArtifactClient.SHA256_HEADER).orElse(null),
                URLDecoder.decode(label, StandardCharsets.UTF_8),
                Long.parseLong(rows.trim()));
    }

    /**
     * Stores a part of a batch job's output: the NDJSON lines of rows {@code [from, to)}. Retried: model-service takes
     * the same part of the same attempt again as stored.
     *
     * @return the rows stored after it
     * @throws OutputRefusedException when this worker no longer holds the job (not retried)
     */
    @Retry(
            maxRetries = 2,
            delay = 200,
            jitter = 100,
            delayUnit = ChronoUnit.MILLIS,
            retryOn = ModelServiceUnavailableException.class)
    public long output(
            String jobId, String tenantId, String requestId, int attempt, long from, long to, byte[] ndjson) {
        String what = "output of " + jobId + " rows " + from + "-" + to;
        RestResponse<String> response;
        try {
            response = downloads.output(
                    jobId, identity.workerId(), attempt, from, to, bearer(tenantId), requestId, ndjson);
        } catch (ProcessingException e) {
            throw new ModelServiceUnavailableException(what + " failed: " + rootMessage(e), e);
        }
        int status = response.getStatus();
        if (status == 409 || status == 404) {
            throw new OutputRefusedException(what + " refused (HTTP " + status + ")");
        }
        if (status != 200) {
            throw new ModelServiceUnavailableException(what + " answered HTTP " + status);
        }
        try {
            return Json.mapper().readTree(response.getEntity()).path("rowsDone").asLong();
        } catch (IOException e) {
            throw new ModelServiceUnavailableException("unreadable answer to the " + what, e);
        }
    }

    /** A training job's checkpoint as stored: the epoch it ends, its bytes, and the usage up to it. */
    public record Checkpoint(int epoch, byte[] bytes, long computeMillis, long examples) {}

    /**
     * Stores a training job's checkpoint at the end of {@code epoch}. Retried (storing the same epoch again replaces
     * it).
     *
     * @throws OutputRefusedException when this worker no longer holds the job
     */
    @Retry(
            maxRetries = 2,
            delay = 200,
            jitter = 100,
            delayUnit = ChronoUnit.MILLIS,
            retryOn = ModelServiceUnavailableException.class)
    public void putCheckpoint(String jobId, String tenantId, String requestId, int attempt, Checkpoint checkpoint) {
        int epoch = checkpoint.epoch();
        byte[] bytes = checkpoint.bytes();
        String query = "?workerId=" + encode(identity.workerId()) + "&attempt=" + attempt + "&epoch=" + epoch
                + "&computeMillis=" + checkpoint.computeMillis() + "&examples=" + checkpoint.examples();
        java.net.http.HttpResponse<String> response = send(
                "checkpoint of " + jobId,
                internal("/internal/v1/jobs/" + encode(jobId) + "/checkpoint" + query, tenantId, requestId)
                        .header("Content-Type", "application/octet-stream")
                        .PUT(java.net.http.HttpRequest.BodyPublishers.ofByteArray(bytes)),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        if (status == 409 || status == 404) {
            throw new OutputRefusedException("checkpoint of " + jobId + " refused (HTTP " + status + ")");
        }
        if (status != 200) {
            throw new ModelServiceUnavailableException("checkpoint of " + jobId + " answered HTTP " + status);
        }
    }

    /** The job's newest checkpoint, or empty when it has none. Retried. */
    @Retry(
            maxRetries = 2,
            delay = 200,
            jitter = 100,
            delayUnit = ChronoUnit.MILLIS,
            retryOn = ModelServiceUnavailableException.class)
    public java.util.Optional<Checkpoint> checkpoint(String jobId, String tenantId, String requestId) {
        java.net.http.HttpResponse<byte[]> response = send(
                "checkpoint of " + jobId,
                internal("/internal/v1/jobs/" + encode(jobId) + "/checkpoint", tenantId, requestId)
                        .GET(),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        int status = response.statusCode();
        if (status == 404) {
            return java.util.Optional.empty();
        }
        if (status != 200) {
            throw new ModelServiceUnavailableException("checkpoint of " + jobId + " answered HTTP " + status);
        }
        int epoch = Integer.parseInt(response.headers()
                .firstValue("X-Checkpoint-Epoch")
                .orElseThrow(() -> new ModelServiceUnavailableException("a checkpoint without its epoch")));
        long computeMillis = Long.parseLong(
                response.headers().firstValue("X-Checkpoint-Compute-Millis").orElse("0"));
        long examples = Long.parseLong(
                response.headers().firstValue("X-Checkpoint-Examples").orElse("0"));
        return java.util.Optional.of(new Checkpoint(epoch, response.body(), computeMillis, examples));
    }

    /**
     * Registers a trained SavedModel (a zip) as the next version of the job's target model; model-service does it once
     * per job, so a retry answers the same version. Returns the version number.
     *
     * @throws OutputRefusedException when this worker no longer holds the job
     */
    @Retry(
            maxRetries = 2,
            delay = 500,
            jitter = 200,
            delayUnit = ChronoUnit.MILLIS,
            retryOn = ModelServiceUnavailableException.class)
    public int registerVersion(String jobId, String tenantId, String requestId, int attempt, Path zip) {
        String query = "?workerId=" + encode(identity.workerId()) + "&attempt=" + attempt;
        java.net.http.HttpRequest.BodyPublisher body;
        try {
            body = java.net.http.HttpRequest.BodyPublishers.ofFile(zip);
        } catch (java.io.FileNotFoundException e) {
            throw new IllegalStateException("the exported model is gone: " + zip, e);
        }
        java.net.http.HttpResponse<String> response = send(
                "version of " + jobId,
                internal("/internal/v1/jobs/" + encode(jobId) + "/version" + query, tenantId, requestId)
                        .header("Content-Type", "application/zip")
                        .POST(body),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        if (status == 409 || status == 404) {
            throw new OutputRefusedException("version of " + jobId + " refused (HTTP " + status + ")");
        }
        if (status / 100 != 2) {
            throw new ModelServiceUnavailableException("version of " + jobId + " answered HTTP " + status);
        }
        return Json.read(response.body(), JsonNode.class).path("version").asInt();
    }

    private java.net.http.HttpRequest.Builder internal(String path, String tenantId, String requestId) {
        java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(base.resolve(path))
                .timeout(java.time.Duration.ofSeconds(60))
                .header("Authorization", bearer(tenantId));
        if (requestId != null) {
            request.header("X-Request-Id", requestId);
        }
        return request;
    }

    private <T> java.net.http.HttpResponse<T> send(
            String what, java.net.http.HttpRequest.Builder request, java.net.http.HttpResponse.BodyHandler<T> body) {
        try {
            return streams.send(request.build(), body);
        } catch (IOException e) {
            throw new ModelServiceUnavailableException(what + " failed: " + rootMessage(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelServiceUnavailableException(what + " was interrupted", e);
        }
    }

    private static String encode(String value) {
        return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static void closeQuietly(InputStream body) {
        if (body != null) {
            try {
                body.close();
            } catch (IOException ignored) {
                // the connection is dropped either way
            }
        }
    }

    /** Whether model-service answers its readiness probe; never retried, never broken: it is a probe. */
    public boolean ready() {
        try {
            return calls.ready().getStatus() == 200;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Vert.x options of the download client's connections: the connect timeout and an idle timeout. */
    private static final class ConnectionOptions implements ContextResolver<HttpClientOptions> {
        private final int connectMillis;
        private final long idleMillis;

        ConnectionOptions(int connectMillis, long idleMillis) {
            this.connectMillis = connectMillis;
            this.idleMillis = idleMillis;
        }

        @Override
        public HttpClientOptions getContext(Class<?> type) {
            return new HttpClientOptions()
                    .setConnectTimeout(connectMillis)
                    .setIdleTimeout((int) idleMillis)
                    .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
        }
    }

    private String bearer(String tenantId) {
        return "Bearer " + tokens.forModelService(tenantId);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String copy(InputStream body, Path file) throws IOException {
        MessageDigest sha256 = sha256();
        if (body == null) {
            throw new IOException("no body");
        }
        try (InputStream in = new DigestInputStream(body, sha256);
                OutputStream out = Files.newOutputStream(file)) {
            in.transferTo(out);
        }
        return HexFormat.of().formatHex(sha256.digest());
    }

    /** Drops a damaged or partial download at once rather than leaving it for the caller's clean-up. */
    private static void discard(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // the caller deletes the file as well
        }
    }

    private static boolean refusedConnection(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
