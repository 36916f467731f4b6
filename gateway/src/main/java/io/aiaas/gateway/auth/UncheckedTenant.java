package io.aiaas.gateway.auth;

import io.aiaas.common.auth.Scopes;
import io.aiaas.gateway.client.KeyVerification;
import io.aiaas.gateway.config.GatewayConfig;
import io.aiaas.gateway.proxy.Upstream;
import io.quarkus.runtime.configuration.ConfigUtils;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The access benchmark's "checks off" gateway ({@code aiaas.gateway.checks.bypass-tenant}): tenant calls that carry
 * no credentials act as one configured tenant, with every scope, no rate limit and no quota, so that what key
 * authentication, rate limiting and quotas cost can be measured against the same gateway without them. It refuses to
 * exist unless the Quarkus profile {@value #PROFILE} is active, which nothing but the benchmark sets.
 */
@ApplicationScoped
public class UncheckedTenant {
    public static final String PROFILE = "bench";
    private static final Logger LOG = Logger.getLogger(UncheckedTenant.class);

    private final Caller.Tenant caller;

    public UncheckedTenant(GatewayConfig config) {
        this.caller = config.checks()
                .bypassTenant()
                .map(tenant -> of(tenant, ConfigUtils.getProfiles()))
                .orElse(null);
    }

    static Caller.Tenant of(String tenantId, List<String> profiles) {
        if (!profiles.contains(PROFILE)) {
            throw new IllegalStateException("aiaas.gateway.checks.bypass-tenant turns every check off and is for the"
                    + " access benchmark only: it needs the Quarkus profile '" + PROFILE + "', which is not active");
        }
        LOG.warnf(
                "CHECKS OFF (benchmark): tenant calls without credentials act as tenant %s with every scope, no rate"
                        + " limit and no quota",
                tenantId);
        // no plan: the rate limiter and the quotas leave a tenant without one alone
        return new Caller.Tenant(
                new KeyVerification(tenantId, "unchecked", Scopes.ALL, null, "active", null), Upstream.values().length);
    }

    /** The caller a request without credentials acts as, or null when the checks are on (always, outside the bench). */
    public Caller.Tenant callerFor(HttpServerRequest request) {
        if (caller == null
                || request.headers().contains(HttpHeaders.AUTHORIZATION)
                || request.headers().contains(PresentedCredentials.API_KEY_HEADER)) {
            return null;
        }
        return caller;
    }
}
