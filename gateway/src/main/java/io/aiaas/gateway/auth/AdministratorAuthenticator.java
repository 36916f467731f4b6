package io.aiaas.gateway.auth;

import io.aiaas.common.auth.Scopes;
import io.aiaas.common.error.ApiException;
import io.aiaas.gateway.config.GatewayConfig;
import io.quarkus.oidc.OIDCException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.ConnectException;
import org.jboss.logging.Logger;

/**
 * Turns a Keycloak access token into a {@link Caller.Administrator}. quarkus-oidc verifies the token, but only here:
 * proactive authentication is off, so API keys on the tenant API never reach it, and an API key on the admin API is
 * refused before it could be sent anywhere.
 */
@ApplicationScoped
public class AdministratorAuthenticator {
    private static final Logger LOG = Logger.getLogger(AdministratorAuthenticator.class);

    private final CurrentIdentityAssociation identities;
    private final GatewayConfig config;

    public AdministratorAuthenticator(CurrentIdentityAssociation identities, GatewayConfig config) {
        this.identities = identities;
        this.config = config;
    }

    /** Blocking: call on a worker thread. */
    public Caller.Administrator authenticate(PresentedCredentials credentials, String requestId) {
        if (credentials.looksLikeApiKey()) {
            throw ApiKeyAuthenticator.unauthorized(
                    "API keys are not accepted on the admin API; use an administrator's access token.");
        }
        if (credentials.bearer() == null || credentials.bearer().isEmpty()) {
            throw ApiKeyAuthenticator.unauthorized("An administrator's access token is required.");
        }
        SecurityIdentity identity;
        try {
            identity = identities
                    .getDeferredIdentity()
                    .await()
                    .atMost(config.timeouts().adminAuthentication());
        } catch (RuntimeException e) {
            if (identityProviderDown(e)) {
                LOG.warnf("request %s: the identity provider cannot be reached: %s", requestId, e.getMessage());
                throw ApiException.unavailable(
                        "Administrator tokens cannot be verified right now; try again shortly.",
                        config.retryAfterSeconds());
            }
            if (e instanceof ApiException api) {
                throw api;
            }
            throw ApiKeyAuthenticator.unauthorized("The access token is invalid or expired.");
        }
        if (identity == null || identity.isAnonymous()) {
            throw ApiKeyAuthenticator.unauthorized("The access token is invalid or expired.");
        }
        if (!identity.hasRole(Scopes.ROLE_PLATFORM_ADMIN)) {
            throw ApiException.forbidden("The role 'platform-admin' is required.");
        }
        return new Caller.Administrator(identity.getPrincipal().getName());
    }

    private static boolean identityProviderDown(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof OIDCException
                    || t instanceof ConnectException
                    || t instanceof io.smallrye.mutiny.TimeoutException) {
                return true;
            }
            if (t instanceof AuthenticationFailedException && t.getCause() == null) {
                return false;
            }
        }
        return false;
    }
}
