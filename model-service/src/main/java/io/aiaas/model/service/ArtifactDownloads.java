package io.aiaas.model.service;

import io.aiaas.common.error.ApiException;
import io.aiaas.model.domain.Model;
import io.aiaas.model.domain.ModelVersion;
import io.aiaas.model.domain.Owner;
import io.aiaas.model.repository.ModelRepository;
import io.aiaas.model.repository.ModelVersionRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.nio.file.Files;
import java.nio.file.Path;

/** Archives for workers: a job's tenant may read its own models and the platform catalogue. */
@ApplicationScoped
public class ArtifactDownloads {
    private final ModelRepository models;
    private final ModelVersionRepository versions;
    private final ArtifactStore store;

    public ArtifactDownloads(ModelRepository models, ModelVersionRepository versions, ArtifactStore store) {
        this.models = models;
        this.versions = versions;
        this.store = store;
    }

    public record Artifact(Path file, String contentType, String sha256) {}

    /**
     * The archive of a version. {@code tenantId} is the tenant the worker acts for (its token's {@code tid}); without
     * one, only the platform catalogue is readable.
     */
    @Transactional
    public Artifact find(String tenantId, String modelId, int version) {
        Model model = (tenantId == null
                        ? models.findOwnedById(Owner.PLATFORM, modelId)
                        : models.findVisibleById(tenantId, modelId))
                .orElseThrow(() -> ApiException.notFound("No such model artifact."));
        ModelVersion row =
                versions.find(model, version).orElseThrow(() -> ApiException.notFound("No such model artifact."));
        Path file = store.resolve(row.artifactPath);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("artifact of " + modelId + " v" + version + " missing on disk");
        }
        return new Artifact(file, "zip".equals(row.archiveFormat) ? "application/zip" : "application/gzip", row.sha256);
    }
}
