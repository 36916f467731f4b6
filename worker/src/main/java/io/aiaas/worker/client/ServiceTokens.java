package io.aiaas.worker.client;

import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.auth.InternalTokenSigner;
import io.aiaas.common.auth.Scopes;
import io.aiaas.common.auth.SigningKeys;
import io.aiaas.worker.config.WorkerConfig;
import io.aiaas.worker.config.WorkerIdentity;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Signs the short-lived service tokens the worker presents to model-service. */
@Singleton
public class ServiceTokens {
    private final WorkerIdentity identity;
    private final Path keyFile;
    private volatile InternalTokenSigner signer;

    public ServiceTokens(WorkerConfig config, WorkerIdentity identity) {
        this.identity = identity;
        this.keyFile = config.auth().signingKeyFile().orElse(null);
    }

    /** A token for model-service, acting for {@code tenantId} (null for platform-wide calls). */
    public String forModelService(String tenantId, String requestId) {
        return signer().sign(
                        InternalToken.AUDIENCE_MODEL_SERVICE,
                        identity.workerId(),
                        tenantId,
                        List.of(),
                        List.of(Scopes.ROLE_SERVICE),
                        requestId);
    }

    /** Fails fast, with a clear message, when the key is not configured or unreadable. */
    public void check() {
        signer();
    }

    private InternalTokenSigner signer() {
        InternalTokenSigner current = signer;
        if (current == null) {
            if (keyFile == null) {
                throw new IllegalStateException(
                        "aiaas.worker.auth.signing-key-file (AIAAS_WORKER_SIGNING_KEY_FILE) is not set");
            }
            try {
                current = new InternalTokenSigner(InternalToken.ISSUER_WORKER, SigningKeys.readPrivateKey(keyFile));
            } catch (IOException | IllegalArgumentException e) {
                throw new IllegalStateException("cannot read the worker signing key " + keyFile, e);
            }
            signer = current;
        }
        return current;
    }
}
