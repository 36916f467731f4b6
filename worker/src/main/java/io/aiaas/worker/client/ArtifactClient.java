package io.aiaas.worker.client;

import io.aiaas.common.archive.SavedModelArchive;
import io.aiaas.common.error.ApiException;
import io.aiaas.worker.config.WorkerConfig;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.microprofile.faulttolerance.exceptions.FaultToleranceException;

/**
 * Downloads a model version's archive from model-service ({@code GET /internal/v1/artifacts/{modelId}/{version}}),
 * checks it against {@code X-Artifact-Sha256} and unpacks it.
 */
@Singleton
public class ArtifactClient {
    public static final String SHA256_HEADER = "X-Artifact-Sha256";

    private final ModelServiceCalls calls;
    private final long maxUnpackedBytes;

    public ArtifactClient(WorkerConfig config, ModelServiceCalls calls) {
        this.calls = calls;
        this.maxUnpackedBytes = config.models().maxUnpackedBytes();
    }

    /**
     * Downloads and unpacks the artifact into the empty directory {@code target}.
     *
     * @return the directory holding {@code saved_model.pb}
     * @throws ArtifactUnavailableException when the artifact is gone or cannot be used (the job cannot run)
     * @throws ModelServiceUnavailableException on transient failures (retry later)
     */
    public Path fetch(String modelId, int version, String tenantId, String requestId, Path target) {
        Path archive = null;
        try {
            Files.createDirectories(target);
            archive = Files.createTempFile(target.getParent(), "artifact-", ".download");
            ModelServiceCalls.Download download;
            try {
                download = calls.download(modelId, version, tenantId, requestId, archive);
            } catch (FaultToleranceException e) {
                throw new ModelServiceUnavailableException("downloads are paused while model-service keeps failing", e);
            }
            try {
                return SavedModelArchive.extract(archive, download.format(), target, maxUnpackedBytes);
            } catch (ApiException e) {
                throw new ArtifactUnavailableException(
                        "The model version's artifact cannot be unpacked: " + e.getMessage());
            }
        } catch (IOException e) {
            throw new ModelServiceUnavailableException(
                    "artifact " + modelId + "/" + version + " cannot be stored: " + e, e);
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
}
