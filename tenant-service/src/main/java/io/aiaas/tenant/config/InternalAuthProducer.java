package io.aiaas.tenant.config;

import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.auth.InternalTokenVerifier;
import io.aiaas.common.auth.JwksFile;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Makes the internal-token verifier; its presence switches on common-quarkus's {@code InternalAuthFilter}. It re-reads
 * the JWKS when a token names a key it does not know (key rotation without a restart).
 */
public class InternalAuthProducer {

    @Produces
    @Singleton
    InternalTokenVerifier internalTokenVerifier(TenantConfig config) {
        try {
            return new InternalTokenVerifier(
                    JwksFile.open(config.auth().jwksFile(), config.auth().jwksRefetchInterval()),
                    InternalToken.AUDIENCE_TENANT_SERVICE);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot read the internal JWKS file " + config.auth().jwksFile()
                            + " (aiaas.tenant.auth.jwks-file / AIAAS_INTERNAL_JWKS_FILE)",
                    e);
        }
    }
}
