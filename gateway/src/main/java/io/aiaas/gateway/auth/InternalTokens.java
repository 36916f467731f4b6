package io.aiaas.gateway.auth;

import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.auth.InternalTokenSigner;
import io.aiaas.common.auth.SigningKeys;
import io.aiaas.gateway.config.GatewayConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The signer of the gateway's internal tokens, keyed from {@code aiaas.gateway.auth.signing-key-file}. */
public class InternalTokens {

    @Produces
    @Singleton
    InternalTokenSigner signer(GatewayConfig config) {
        try {
            return new InternalTokenSigner(
                    InternalToken.ISSUER_GATEWAY,
                    SigningKeys.readPrivateKey(config.auth().signingKeyFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot read the internal-token signing key (aiaas.gateway.auth.signing-key-file)", e);
        }
    }
}
