package io.aiaas.worker.client;

import io.aiaas.common.archive.SavedModelArchive;
import io.aiaas.common.error.ApiException;
import io.aiaas.worker.config.WorkerConfig;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Downloads a model version's archive from model-service ({@code GET /internal/v1/artifacts/{modelId}/{version}}),
 * checks it against {@code X-Artifact-Sha256} and unpacks it.
 */
@Singleton
public class ArtifactClient {
    public static final String SHA256_HEADER = "X-Artifact-Sha256";

    private final HttpClient http;
    private final String baseUrl;
    private final Duration timeout;
    private final long maxUnpackedBytes;
    private final ServiceTokens tokens;

    public ArtifactClient(WorkerConfig config, ServiceTokens tokens) {
        this.http = HttpClient.newBuilder()
                .connectTimeout(config.http().connectTimeout())
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        this.baseUrl = ModelServiceClient.trimSlash(config.modelServiceUrl());
        this.timeout = config.http().artifactTimeout();
        this.maxUnpackedBytes = config.models().maxUnpackedBytes();
        this.tokens = tokens;
    }

    /**
     * Downloads and unpacks the artifact into the empty directory {@code target}.
     *
     * @return the directory holding {@code saved_model.pb}
     * @throws ArtifactUnavailableException when the artifact is gone or cannot be used (the job cannot run)
     * @throws ModelServiceUnavailableException on transient failures (retry later)
     */
    public Path fetch(String modelId, int version, String tenantId, String requestId, Path target) {
        URI uri = URI.create(baseUrl + "/internal/v1/artifacts/" + modelId + "/" + version);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Authorization", "Bearer " + tokens.forModelService(tenantId, requestId))
                .GET();
        if (requestId != null) {
            request.header("X-Request-Id", requestId);
        }
        Path archive = null;
        try {
            HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            int status = response.statusCode();
            if (status != 200) {
                response.body().close();
                if (status == 404 || status == 410) {
                    throw new ArtifactUnavailableException("The model version's artifact is no longer available.");
                }
                throw new ModelServiceUnavailableException(
                        "artifact " + modelId + "/" + version + " answered HTTP " + status);
            }
            SavedModelArchive.Format format;
            try {
                format = SavedModelArchive.Format.fromContentType(
                        response.headers().firstValue("Content-Type").orElse(null));
            } catch (ApiException e) {
                response.body().close();
                throw new ArtifactUnavailableException("The model version's artifact has an unknown format.");
            }
            String expected = response.headers().firstValue(SHA256_HEADER).orElse(null);
            Files.createDirectories(target);
            archive = Files.createTempFile(target.getParent(), "artifact-", ".download");
            String actual = download(response.body(), archive);
            if (expected == null || !expected.trim().equalsIgnoreCase(actual)) {
                throw new ModelServiceUnavailableException("artifact " + modelId + "/" + version
                        + " does not match its checksum (expected " + expected + ", got " + actual + ")");
            }
            try {
                return SavedModelArchive.extract(archive, format, target, maxUnpackedBytes);
            } catch (ApiException e) {
                throw new ArtifactUnavailableException(
                        "The model version's artifact cannot be unpacked: " + e.getMessage());
            }
        } catch (IOException e) {
            throw new ModelServiceUnavailableException(
                    "download of artifact " + modelId + "/" + version + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelServiceUnavailableException("interrupted while downloading an artifact", e);
        } finally {
            if (archive != null) {
                try {
                    Files.deleteIfExists(archive);
                } catch (IOException ignored) {
                    // a leftover download in the cache directory is harmless
                }
            }
        }
    }

    private static String download(InputStream body, Path file) throws IOException {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = new DigestInputStream(body, sha256);
                OutputStream out = Files.newOutputStream(file)) {
            in.transferTo(out);
        }
        return HexFormat.of().formatHex(sha256.digest());
    }
}
