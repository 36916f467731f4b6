package io.aiaas.worker.client;

import io.aiaas.common.archive.SavedModelArchive;
import io.aiaas.common.error.ApiException;
import io.aiaas.worker.config.WorkerConfig;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.eclipse.microprofile.faulttolerance.exceptions.FaultToleranceException;

/**
 * Downloads a model version's archive from model-service ({@code GET /internal/v1/artifacts/{modelId}/{version}}),
 * checks it against {@code X-Artifact-Sha256} and unpacks it. The archive goes to a temporary file next to the target
 * and the tree is unpacked into a temporary directory that is renamed to the target only when complete, so the target
 * either holds the whole SavedModel or does not exist; every failure deletes what it wrote.
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
     * Downloads and unpacks the artifact into {@code target}, which must not exist yet.
     *
     * @return the directory holding {@code saved_model.pb} ({@code target} or its one folder)
     * @throws ArtifactUnavailableException when the artifact is gone or cannot be used (the job cannot run)
     * @throws ModelServiceUnavailableException on transient failures, a checksum mismatch included (retry later)
     */
    public Path fetch(String modelId, int version, String tenantId, String requestId, Path target) {
        Path parent = target.toAbsolutePath().getParent();
        Path archive = null;
        Path unpacking = null;
        boolean moved = false;
        try {
            Files.createDirectories(parent);
            archive = Files.createTempFile(parent, "artifact-", ".download");
            ModelServiceCalls.Download download;
            try {
                download = calls.download(modelId, version, tenantId, requestId, archive);
            } catch (FaultToleranceException e) {
                throw new ModelServiceUnavailableException("downloads are paused while model-service keeps failing", e);
            }
            unpacking = Files.createTempDirectory(parent, "artifact-unpacking-");
            Path savedModel;
            try {
                savedModel = SavedModelArchive.extract(archive, download.format(), unpacking, maxUnpackedBytes);
            } catch (ApiException e) {
                throw new ArtifactUnavailableException(
                        "The model version's artifact cannot be unpacked: " + e.getMessage());
            }
            Path inside = unpacking.relativize(savedModel);
            Files.move(unpacking, target, StandardCopyOption.ATOMIC_MOVE);
            moved = true;
            return target.resolve(inside);
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
            if (!moved) {
                SavedModelArchive.deleteTree(unpacking);
            }
        }
    }
}
