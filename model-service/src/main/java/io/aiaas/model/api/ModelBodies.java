package io.aiaas.model.api;

import io.aiaas.common.oip.Signature;
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
            Instant updatedAt) {}

    public record VersionBody(
            int version,
            String status,
            Map<String, Signature> signatures,
            long sizeBytes,
            String sha256,
            Instant createdAt) {}

    /** {@code PUT /v1/models/{name}/aliases/{alias}}. */
    public record SetAlias(Integer version) {}

    public record AliasBody(String alias, int version) {}
}
