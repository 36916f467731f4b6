package io.aiaas.gateway.auth;

import io.aiaas.common.auth.ApiKeys;
import io.vertx.core.MultiMap;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;

/**
 * The hot path of tenant authentication: a request whose API key this replica has verified and still holds (live,
 * fresh by the tenant events, unexpired, its tenant active) gets its caller straight from {@link KeyVerificationCache},
 * the same {@link Caller.Tenant} that {@link ApiKeyIdentityProvider} would put into its identity. It skips Quarkus
 * Security's pipeline (mechanism selection, identity-provider manager, augmentors, Mutiny subscriptions and context
 * capture), which the access benchmark's flight recordings showed costing more per request than the checks themselves.
 * Everything else — no or malformed credentials, a key not in hand, a look-up in flight, a revoked, expired or
 * suspended key, a tenant owner's token — returns null and takes the full path, which decides and answers it.
 */
@ApplicationScoped
public class KnownApiKeys {
    private final KeyVerificationCache cache;
    private final Clock clock;

    public KnownApiKeys(KeyVerificationCache cache) {
        this.cache = cache;
        this.clock = Clock.systemUTC();
    }

    /** The caller of the request's API key when it is known valid here, else null (see the class comment). */
    public Caller.Tenant caller(MultiMap headers) {
        PresentedCredentials credentials = PresentedCredentials.of(headers);
        if (credentials.none() || TenantOwnerTokens.looksLikeToken(credentials.bearer())) {
            return null;
        }
        String key = credentials.apiKey();
        if (key == null || !ApiKeys.isWellFormed(key)) {
            return null;
        }
        return cache.knownCaller(ApiKeys.hash(key), Instant.now(clock));
    }
}
