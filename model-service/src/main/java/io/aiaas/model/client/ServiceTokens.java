package io.aiaas.model.client;

import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.auth.InternalTokenSigner;
import io.aiaas.common.auth.Scopes;
import io.aiaas.common.auth.SigningKeys;
import io.aiaas.model.config.ModelServiceConfig;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/**
 * Signs the service tokens model-service presents to tenant-service. One platform-wide token (the tenant travels in
 * the call's body), signed again when half its lifetime is spent: an RS256 signature per job would cost more than the
 * reservation.
 */
@Singleton
public class ServiceTokens {
    static final long TOKEN_SECONDS = 30;

    private final Path keyFile;
    private volatile InternalTokenSigner signer;
    private volatile String token;
    private volatile long renewAtMillis;

    public ServiceTokens(ModelServiceConfig config) {
        this.keyFile = config.auth().signingKeyFile().orElse(null);
    }

    /** {@code Bearer <token>} for tenant-service. */
    public String forTenantService() {
        long now = System.currentTimeMillis();
        String current = token;
        if (current == null || now >= renewAtMillis) {
            synchronized (this) {
                if (token == null || now >= renewAtMillis) {
                    token = "Bearer "
                            + signer().sign(
                                            InternalToken.AUDIENCE_TENANT_SERVICE,
                                            "model-service",
                                            null,
                                            List.of(),
                                            List.of(Scopes.ROLE_SERVICE),
                                            null);
                    renewAtMillis = now + TOKEN_SECONDS * 1000 / 2;
                }
                current = token;
            }
        }
        return current;
    }

    /** Fails fast, with a clear message, when the key is not configured or unreadable. */
    public void check() {
        signer();
    }

    private InternalTokenSigner signer() {
        InternalTokenSigner current = signer;
        if (current == null) {
            if (keyFile == null) {
                throw new IllegalStateException("aiaas.model.auth.signing-key-file"
                        + " (AIAAS_MODEL_SERVICE_SIGNING_KEY_FILE) is not set, and compute quotas are on");
            }
            try {
                current = new InternalTokenSigner(
                        InternalToken.ISSUER_MODEL_SERVICE,
                        SigningKeys.readPrivateKey(keyFile),
                        TOKEN_SECONDS,
                        Clock.systemUTC());
            } catch (IOException | IllegalArgumentException e) {
                throw new IllegalStateException("cannot read the model-service signing key " + keyFile, e);
            }
            signer = current;
        }
        return current;
    }
}
