package io.aiaas.model.api;

import io.aiaas.common.oip.Signature;
import io.aiaas.model.domain.Model;
import io.aiaas.model.domain.ModelAlias;
import io.aiaas.model.domain.ModelVersion;
import io.aiaas.model.service.ModelCatalogue.ModelDetails;
import java.time.Instant;
import java.util.Map;

/** Request and response bodies of the model endpoints. */
public final class ModelBodies {
    private ModelBodies() {}

    /** {@code POST /v1/models}. */
    public record CreateModel(String name, String description) {}

    /** {@code PATCH /v1/models/{name}}: only the description changes; a model is never renamed. */
    public record PatchModel(String description) {}

    /** A model as the API shows it; {@code aliases} maps alias to version. */
    public record ModelBody(
            String id,
            String name,
            String description,
            String owner,
            Map<String, Integer> aliases,
            Integer latestVersion,
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

    public record VersionBody(
            int version,
            String status,
            Map<String, Signature> signatures,
            long sizeBytes,
            String sha256,
            Instant createdAt) {
        static VersionBody of(ModelVersion v) {
            return new VersionBody(v.version, v.status, v.signatureMap(), v.sizeBytes, v.sha256, v.createdAt);
        }
    }

    /** {@code PUT /v1/models/{name}/aliases/{alias}}. */
    public record SetAlias(Integer version) {}

    public record AliasBody(String alias, int version) {
        static AliasBody of(ModelAlias a) {
            return new AliasBody(a.alias, a.version);
        }
    }
}
