package io.aiaas.gateway.auth;

import io.aiaas.common.auth.ApiKeys;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.ProblemType;
import io.aiaas.gateway.client.KeyVerification;
import io.aiaas.gateway.client.TenantServiceClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.Optional;

/**
 * Turns an API key into a {@link Caller.Tenant}: format and checksum first (a mistyped key costs no look-up), then
 * tenant-service, by the key's SHA-256 only.
 */
@ApplicationScoped
public class ApiKeyAuthenticator {
    static final String CHALLENGE = "Bearer realm=\"aiaas\"";

    private final TenantServiceClient tenantService;
    private final KeyVerificationCache cache;
    private final Clock clock;

    ApiKeyAuthenticator(TenantServiceClient tenantService, KeyVerificationCache cache, Clock clock) {
        this.tenantService = tenantService;
        this.cache = cache;
        this.clock = clock;
    }

    @Inject
    public ApiKeyAuthenticator(TenantServiceClient tenantService, KeyVerificationCache cache) {
        this(tenantService, cache, Clock.systemUTC());
    }

    public Caller.Tenant authenticate(PresentedCredentials credentials, String requestId) {
        if (credentials.none()) {
            throw unauthorized("An API key is required (Authorization: Bearer <key> or X-API-Key).");
        }
        String key = credentials.apiKey();
        if (!ApiKeys.isWellFormed(key)) {
            throw unauthorized("The API key is malformed.");
        }
        String hash = ApiKeys.hash(key);
        Optional<KeyVerification> answer = cache.get(hash);
        if (answer == null) {
            answer = tenantService.verify(hash, requestId);
            cache.put(hash, answer);
        }
        KeyVerification verification =
                answer.orElseThrow(() -> unauthorized("The API key is unknown, revoked or expired."));
        if (verification.expiredAt(clock.instant())) {
            throw unauthorized("The API key is unknown, revoked or expired.");
        }
        if (verification.suspended()) {
            throw new ApiException(ProblemType.TENANT_SUSPENDED, "The tenant of this API key is suspended.");
        }
        return new Caller.Tenant(verification.keyId(), verification.tenantId(), verification.scopes());
    }

    static ApiException unauthorized(String detail) {
        return ApiException.unauthorized(detail).header("WWW-Authenticate", CHALLENGE);
    }
}
