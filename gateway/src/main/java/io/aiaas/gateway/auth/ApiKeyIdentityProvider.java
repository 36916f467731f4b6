package io.aiaas.gateway.auth;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.ProblemType;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * Turns a well-formed API key into the identity of its {@link Caller.Tenant}, from {@link KeyVerificationCache}:
 * unknown, revoked or expired → 401; tenant suspended → 403; tenant-service unable to answer → 503. Never blocks.
 */
@ApplicationScoped
public class ApiKeyIdentityProvider implements IdentityProvider<ApiKeyAuthenticationRequest> {
    private final KeyVerificationCache cache;
    private final Clock clock;

    public ApiKeyIdentityProvider(KeyVerificationCache cache) {
        this.cache = cache;
        this.clock = Clock.systemUTC();
    }

    @Override
    public Class<ApiKeyAuthenticationRequest> getRequestType() {
        return ApiKeyAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(
            ApiKeyAuthenticationRequest request, AuthenticationRequestContext context) {
        CompletableFuture<VerifiedKey> verified = cache.verify(request.keyHash(), request.requestId());
        boolean owner = TenantOwnerTokens.isOwnerKey(request.keyHash());
        if (verified.isDone() && !verified.isCompletedExceptionally()) {
            return identity(verified.join(), owner); // the hot path: a cached key, no subscription machinery
        }
        return Uni.createFrom().completionStage(verified).flatMap(key -> identity(key, owner));
    }

    private Uni<SecurityIdentity> identity(VerifiedKey key, boolean owner) {
        if (key == null || key.verification().expiredAt(Instant.now(clock))) {
            return Uni.createFrom()
                    .failure(new ApiKeyRefused(
                            owner
                                    ? "The access token's tenant is unknown or deleted."
                                    : "The API key is unknown, revoked or expired."));
        }
        if (key.verification().suspended()) {
            return Uni.createFrom()
                    .failure(new ApiException(
                            ProblemType.TENANT_SUSPENDED,
                            owner
                                    ? "The tenant of this access token is suspended."
                                    : "The tenant of this API key is suspended."));
        }
        return Uni.createFrom().item(key.identity());
    }
}
