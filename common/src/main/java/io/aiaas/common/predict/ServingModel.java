package io.aiaas.common.predict;

import io.aiaas.common.oip.Signature;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What online prediction needs to know of a model, as model-service's {@code GET /internal/v1/serving/models/{name}}
 * answers it for the caller's tenant (its own model of that name first, then the platform catalogue's): every
 * version's callable signatures and the aliases.
 *
 * @param owner {@code tenant} or {@code platform}
 * @param versions every version, oldest first
 */
public record ServingModel(
        String modelId, String name, String owner, Map<String, Integer> aliases, List<ServingVersion> versions) {

    public static final String PRODUCTION = "production";

    public ServingModel {
        aliases = aliases == null ? Map.of() : Map.copyOf(aliases);
        versions = versions == null
                ? List.of()
                : versions.stream()
                        .sorted(Comparator.comparingInt(ServingVersion::version))
                        .toList();
    }

    /** One version and its callable signatures by name. */
    public record ServingVersion(int version, Map<String, Signature> signatures, Instant createdAt) {
        public ServingVersion {
            signatures = signatures == null ? Map.of() : Map.copyOf(signatures);
        }
    }

    public Optional<ServingVersion> version(int version) {
        return versions.stream().filter(v -> v.version() == version).findFirst();
    }

    /** The version an alias points to, if the alias exists and its version does. */
    public Optional<ServingVersion> alias(String alias) {
        Integer version = aliases.get(alias);
        return version == null ? Optional.empty() : version(version);
    }

    /** The version a call that names none gets (CONTRACT, Aliases): alias {@code production} if set, else the newest. */
    public Optional<ServingVersion> defaultVersion() {
        if (aliases.containsKey(PRODUCTION)) {
            return alias(PRODUCTION);
        }
        return versions.isEmpty() ? Optional.empty() : Optional.of(versions.get(versions.size() - 1));
    }
}
