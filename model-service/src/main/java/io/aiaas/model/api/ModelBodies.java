package io.aiaas.model.api;

import io.aiaas.common.oip.Signature;
import io.aiaas.model.domain.Model;
import io.aiaas.model.domain.ModelAlias;
import io.aiaas.model.domain.ModelVersion;
import io.aiaas.model.service.ModelCatalogue.ModelDetails;
import java.time.Instant;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Request and response bodies of the model endpoints. */
public final class ModelBodies {
    private ModelBodies() {}

    /** {@code POST /v1/models}. */
    @Schema(name = "CreateModel", requiredProperties = "name")
    public record CreateModel(
            @Schema(
                            pattern = "^[a-z0-9][a-z0-9-]{0,62}$",
                            description = "Unique per owner; a name not matching the pattern is a 422.")
                    String name,
            @Schema(description = "Free text for people.") String description) {}

    /** {@code PATCH /v1/models/{name}}: only the description changes; a model is never renamed. */
    @Schema(name = "PatchModel")
    public record PatchModel(
            @Schema(description = "The new description (absent or null clears it).") String description) {}

    /** A model as the API shows it; {@code aliases} maps alias to version. */
    @Schema(name = "Model", description = "A model; its versions hold the SavedModels.")
    public record ModelBody(
            String id,
            String name,
            String description,
            @Schema(
                            enumeration = {"tenant", "platform"},
                            description = "The tenant's own model, or one of the platform catalogue.")
                    String owner,
            @Schema(description = "Alias name to version number.") Map<String, Integer> aliases,
            @Schema(description = "The newest version; null before the first upload.") Integer latestVersion,
            Instant createdAt,
            Instant updatedAt) {
        static ModelBody of(ModelDetails details) {
            Model m = details.model();
            return new ModelBody(
                    m.id,
                    m.name,
                    m.description,
                    m.owner().kind(),
                    details.aliases(),
                    details.latestVersion(),
                    m.createdAt,
                    m.updatedAt);
        }
    }

    @Schema(name = "ModelVersion", description = "One immutable, numbered SavedModel of a model.")
    public record VersionBody(
            @Schema(minimum = "1") int version,
            @Schema(enumeration = {"ready"}) String status,
            @Schema(
                            description =
                                    "Signature name (such as `serving_default`) to its inputs and outputs; each tensor's"
                                            + " `shape` has -1 where any size goes and is null when even the rank is unknown, its"
                                            + " `datatype` is null when TensorFlow's type has no Open Inference Protocol datatype.")
                    Map<String, Signature> signatures,
            @Schema(description = "Size of the uploaded archive.") long sizeBytes,
            @Schema(description = "Hex SHA-256 of the uploaded archive's bytes.") String sha256,
            Instant createdAt) {
        static VersionBody of(ModelVersion v) {
            return new VersionBody(v.version, v.status, v.signatureMap(), v.sizeBytes, v.sha256, v.createdAt);
        }
    }

    /** {@code PUT /v1/models/{name}/aliases/{alias}}. */
    @Schema(name = "SetAlias", requiredProperties = "version")
    public record SetAlias(@Schema(description = "The version the alias points to.") Integer version) {}

    @Schema(name = "Alias")
    public record AliasBody(String alias, int version) {
        static AliasBody of(ModelAlias a) {
            return new AliasBody(a.alias, a.version);
        }
    }
}
