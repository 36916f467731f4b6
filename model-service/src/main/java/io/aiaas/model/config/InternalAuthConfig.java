package io.aiaas.model.config;

import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.auth.InternalTokenVerifier;
import io.aiaas.common.auth.JwksFile;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The verifier that makes {@code InternalAuthFilter} refuse every call without a valid internal token; it re-reads the
 * JWKS when a token names a key it does not know (key rotation without a restart).
 */
@ApplicationScoped
public class InternalAuthConfig {

    @Produces
    @Singleton
    InternalTokenVerifier internalTokenVerifier(ModelServiceConfig config) {
        try {
            return new InternalTokenVerifier(
                    JwksFile.open(config.auth().jwksFile(), config.auth().jwksRefetchInterval()),
                    InternalToken.AUDIENCE_MODEL_SERVICE);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot read the internal JWKS at " + config.auth().jwksFile() + " (aiaas.model.auth.jwks-file)",
                    e);
        }
    }
}
