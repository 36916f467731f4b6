package io.aiaas.common.auth;

import java.util.Map;
import java.util.Optional;

/** Where an {@link InternalTokenVerifier} finds the public key a token's {@code kid} names. */
@FunctionalInterface
public interface TrustedKeys {

    /** The key with this id, if it is trusted. */
    Optional<SigningKeys.TrustedKey> find(String kid);

    /** A fixed set of keys. */
    static TrustedKeys of(Map<String, SigningKeys.TrustedKey> keys) {
        Map<String, SigningKeys.TrustedKey> copy = Map.copyOf(keys);
        return kid -> Optional.ofNullable(copy.get(kid));
    }
}
