package io.aiaas.gateway.auth;

import io.aiaas.common.auth.ApiKeys;
import io.aiaas.gateway.proxy.GatewayRequest;
import io.aiaas.gateway.proxy.Route;
import io.aiaas.gateway.proxy.RouteTable;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;

/**
 * API keys ({@code Authorization: Bearer aiaas_…} or {@code X-API-Key}) beside quarkus-oidc, which serves the
 * administrators' Keycloak tokens. This mechanism goes first and keeps API keys to itself: on the tenant API it
 * answers every request (no credentials and a malformed key are refused here; a Keycloak token is a tenant owner's,
 * verified through quarkus-oidc by {@link TenantOwnerTokens}), and on the admin API
 * it refuses anything that looks like an API key, so a key is never handed to OIDC. A malformed or mistyped key is
 * refused by format and CRC32 before any look-up.
 */
@ApplicationScoped
public class ApiKeyAuthenticationMechanism implements HttpAuthenticationMechanism {
    /** Ahead of quarkus-oidc (which keeps the default priority). */
    static final int PRIORITY = DEFAULT_PRIORITY + 1000;

    static final String CHALLENGE = "Bearer realm=\"aiaas\"";

    private static final Uni<SecurityIdentity> NOT_MINE = Uni.createFrom().nullItem();
    private static final Uni<ChallengeData> CHALLENGE_DATA =
            Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", CHALLENGE));

    private final RouteTable routes;
    private final TenantOwnerTokens owners;

    public ApiKeyAuthenticationMechanism(RouteTable routes, TenantOwnerTokens owners) {
        this.routes = routes;
        this.owners = owners;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext rc, IdentityProviderManager identities) {
        Route.Access access = GatewayRequest.access(rc);
        if (access == null) {
            access = routes.area(rc.request().path()).orElse(null);
        }
        if (access == null) {
            return NOT_MINE;
        }
        PresentedCredentials credentials = PresentedCredentials.of(rc.request().headers());
        if (access == Route.Access.ADMINISTRATOR) {
            return credentials.looksLikeApiKey()
                    ? refuse("API keys are not accepted on the admin API; use an administrator's access token.")
                    : NOT_MINE;
        }
        if (credentials.none()) {
            return refuse("An API key is required (Authorization: Bearer <key> or X-API-Key).");
        }
        String key = credentials.apiKey();
        if (TenantOwnerTokens.looksLikeToken(credentials.bearer())) {
            return owners.authenticate(rc, credentials.bearer(), identities); // a tenant owner's Keycloak token
        }
        if (!ApiKeys.isWellFormed(key)) {
            return refuse("The API key is malformed.");
        }
        return identities.authenticate(
                new ApiKeyAuthenticationRequest(ApiKeys.hash(key), GatewayRequest.requestId(rc)));
    }

    private static Uni<SecurityIdentity> refuse(String detail) {
        return Uni.createFrom().failure(new ApiKeyRefused(detail));
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return CHALLENGE_DATA;
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(ApiKeyAuthenticationRequest.class);
    }

    @Override
    public int getPriority() {
        return PRIORITY;
    }
}
