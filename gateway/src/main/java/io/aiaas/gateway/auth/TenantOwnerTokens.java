package io.aiaas.gateway.auth;

import io.aiaas.common.auth.Scopes;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.id.Ids;
import io.aiaas.gateway.config.GatewayConfig;
import io.aiaas.gateway.proxy.GatewayRequest;
import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.oidc.OIDCException;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.TimeoutException;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.json.JsonString;
import java.net.ConnectException;
import java.time.Duration;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;

/**
 * Keycloak tokens of tenant owners on the tenant API (CONTRACT "Tenant people"). quarkus-oidc verifies the token (the
 * administrators' issuer); its claim {@value #TENANT_CLAIM} names the tenant, whose status and plan come from
 * tenant-service through {@link KeyVerificationCache} under a key of their own ({@link #cacheKey}): cached, and
 * dropped on the tenant's events, exactly like an API key, so suspension and deletion reach owners as fast as keys.
 * The owner then acts as a {@link Caller.Tenant} with every scope, named {@code owner:<Keycloak user id>} inside the
 * platform, in its tenant's rate-limit bucket. A token without the claim gets 403, an administrator's included
 * (administrators use {@code /admin}).
 */
@ApplicationScoped
public class TenantOwnerTokens {
    private static final Logger LOG = Logger.getLogger(TenantOwnerTokens.class);

    /** The access-token claim naming the owner's tenant (a user attribute only tenant-service sets). */
    public static final String TENANT_CLAIM = "tenant_id";

    /** The prefix of an owner's entries in {@link KeyVerificationCache}; key hashes are hex, so never collide. */
    static final String CACHE_PREFIX = "owner:";

    private final FailedAuthThrottle throttle;
    private final Duration timeout;
    private final int retryAfterSeconds;

    public TenantOwnerTokens(FailedAuthThrottle throttle, GatewayConfig config) {
        this.throttle = throttle;
        this.timeout = config.timeouts().adminAuthentication();
        this.retryAfterSeconds = config.retryAfterSeconds();
    }

    /** Whether a bearer value is a JWT (three base64url parts, a JSON header), so not meant as an API key. */
    static boolean looksLikeToken(String bearer) {
        return bearer != null
                && bearer.startsWith("eyJ")
                && bearer.indexOf('.') > 0
                && bearer.indexOf('.') != bearer.lastIndexOf('.');
    }

    /** The identity of a tenant owner's token, or a failure: 401, 403, or 503 when Keycloak's keys are out of reach. */
    Uni<SecurityIdentity> authenticate(RoutingContext rc, String bearer, IdentityProviderManager identities) {
        TokenAuthenticationRequest verification = new TokenAuthenticationRequest(new AccessTokenCredential(bearer));
        HttpSecurityUtils.setRoutingContextAttribute(verification, rc); // quarkus-oidc resolves its tenant from it
        return identities
                .authenticate(verification)
                .ifNoItem()
                .after(timeout)
                .fail()
                .onFailure()
                .transform(failure -> refusal(rc, failure))
                .flatMap(identity -> owner(rc, identity, identities));
    }

    private Uni<SecurityIdentity> owner(RoutingContext rc, SecurityIdentity identity, IdentityProviderManager ids) {
        if (identity == null || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return Uni.createFrom().failure(new ApiKeyRefused("The access token is invalid or expired."));
        }
        throttle.verified(identity, rc.request().headers());
        String tenantId = claim(jwt);
        if (tenantId == null) {
            return Uni.createFrom()
                    .failure(ApiException.forbidden(
                            identity.hasRole(Scopes.ROLE_PLATFORM_ADMIN)
                                    ? "Administrators use the admin API (/admin/v1): on /v1 an access token must"
                                            + " name a tenant (claim 'tenant_id'), as a tenant owner's does."
                                    : "The access token names no tenant (claim 'tenant_id'): only a tenant's owner"
                                            + " may use /v1 with an access token."));
        }
        String subject = jwt.getSubject();
        if (!Ids.isValid(Ids.TENANT, tenantId) || subject == null || !subject.matches("[A-Za-z0-9-]{1,64}")) {
            return Uni.createFrom().failure(new ApiKeyRefused("The access token's tenant is unknown or deleted."));
        }
        return ids.authenticate(
                new ApiKeyAuthenticationRequest(cacheKey(tenantId, subject), GatewayRequest.requestId(rc)));
    }

    private Throwable refusal(RoutingContext rc, Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof OIDCException || t instanceof ConnectException || t instanceof TimeoutException) {
                LOG.warnf(
                        "request %s: the identity provider cannot be reached: %s",
                        GatewayRequest.requestId(rc), failure.toString());
                return ApiException.unavailable(
                        "Access tokens cannot be verified right now; try again shortly.", retryAfterSeconds);
            }
        }
        // quarkus-oidc's reasons may name keys or claims: the caller learns only that the token is not valid.
        LOG.debugf("request %s: token refused: %s", GatewayRequest.requestId(rc), failure);
        return new ApiKeyRefused("The access token is invalid or expired.");
    }

    private static String claim(JsonWebToken jwt) {
        Object value = jwt.getClaim(TENANT_CLAIM);
        if (value instanceof JsonString s) {
            return blankToNull(s.getString());
        }
        return value instanceof String s ? blankToNull(s) : null;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /** The cache entry of a tenant's owner (tenant ids and Keycloak user ids hold no ':'). */
    static String cacheKey(String tenantId, String subject) {
        return CACHE_PREFIX + tenantId + ":" + subject;
    }

    static boolean isOwnerKey(String cacheKey) {
        return cacheKey.startsWith(CACHE_PREFIX);
    }

    static String tenantOf(String cacheKey) {
        return cacheKey.substring(CACHE_PREFIX.length(), cacheKey.indexOf(':', CACHE_PREFIX.length()));
    }

    static String subjectOf(String cacheKey) {
        return cacheKey.substring(cacheKey.indexOf(':', CACHE_PREFIX.length()) + 1);
    }
}
