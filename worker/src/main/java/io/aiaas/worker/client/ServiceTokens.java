package io.aiaas.worker.client;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.auth.InternalTokenSigner;
import io.aiaas.common.auth.Scopes;
import io.aiaas.common.auth.SigningKeys;
import io.aiaas.worker.config.WorkerConfig;
import io.aiaas.worker.config.WorkerIdentity;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** Signs the short-lived service tokens the worker presents to model-service. */
@Singleton
public class ServiceTokens {
    /** Lifetime of a worker's token. */
    static final long TOKEN_SECONDS = 30;
    /** Cache key of tokens that act for no tenant (tenant ids never contain a space). */
    private static final String PLATFORM = " platform";

    private final WorkerIdentity identity;
    private final Path keyFile;
    private volatile InternalTokenSigner signer;
    /** Tenant id (or {@link #PLATFORM}) → a signed token, kept for half its lifetime. */
    private final Cache<String, String> issued = Caffeine.newBuilder()
            .maximumSize(10_000)
            .expireAfterWrite(Duration.ofSeconds(TOKEN_SECONDS / 2))
            .build();

    public ServiceTokens(WorkerConfig config, WorkerIdentity identity) {
        this.identity = identity;
        this.keyFile = config.auth().signingKeyFile().orElse(null);
    }

    /**
     * A token for model-service, acting for {@code tenantId} (null for platform-wide calls). Signed once per tenant
     * and reused until half its lifetime is spent: an RS256 signature here, and its check in model-service, cost more
     * than the rest of a claim, so every call signing afresh made the job pipeline CPU-bound. The request id travels
     * in {@code X-Request-Id}, never in the token.
     */
    public String forModelService(String tenantId) {
        return issued.get(tenantId == null ? PLATFORM : tenantId, tenant -> signer().sign(
                        InternalToken.AUDIENCE_MODEL_SERVICE,
                        identity.workerId(),
                        tenant.equals(PLATFORM) ? null : tenant,
                        List.of(),
                        List.of(Scopes.ROLE_SERVICE),
                        null));
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
                current = new InternalTokenSigner(
                        InternalToken.ISSUER_WORKER,
                        SigningKeys.readPrivateKey(keyFile),
                        TOKEN_SECONDS,
                        Clock.systemUTC());
            } catch (IOException | IllegalArgumentException e) {
                throw new IllegalStateException("cannot read the worker signing key " + keyFile, e);
            }
            signer = current;
        }
        return current;
    }
}
