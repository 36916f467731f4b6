package io.aiaas.common.quarkus.auth;

import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.auth.Scopes;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.plan.PlanLimits;
import jakarta.enterprise.context.RequestScoped;

/**
 * Who is calling, as the verified internal token says. Resources and services take the tenant from here and nowhere
 * else: a tenant id sent by a client is never trusted.
 */
@RequestScoped
public class CallerContext {
    private InternalToken token;
    private String requestId;

    /** The verified token and the request's id (from {@code X-Request-Id}: cached tokens carry none). */
    public void set(InternalToken token, String requestId) {
        this.token = token;
        this.requestId = requestId != null ? requestId : token.rid();
    }

    public InternalToken token() {
        if (token == null) {
            throw ApiException.unauthorized("A valid internal token is required.");
        }
        return token;
    }

    /** The calling tenant; the call must be a tenant's. */
    public String tenantId() {
        InternalToken t = token();
        if (t.tid() == null) {
            throw ApiException.forbidden("This call must be made with a tenant's API key.");
        }
        return t.tid();
    }

    /** The calling tenant, checking the key carries {@code scope}. */
    public String tenantWithScope(String scope) {
        String tenant = tenantId();
        if (!token().hasScope(scope)) {
            throw ApiException.forbidden("The API key lacks the scope '" + scope + "'.");
        }
        return tenant;
    }

    public void requireAdmin() {
        if (!token().hasRole(Scopes.ROLE_PLATFORM_ADMIN)) {
            throw ApiException.forbidden("The role 'platform-admin' is required.");
        }
    }

    /** The call must be a platform component's, signed by one of {@code issuers}. */
    public void requireService(String... issuers) {
        InternalToken t = token();
        if (!t.hasRole(Scopes.ROLE_SERVICE) || !java.util.Arrays.asList(issuers).contains(t.iss())) {
            throw ApiException.forbidden("This call is reserved to the platform's own components.");
        }
    }

    public String actor() {
        return token().sub();
    }

    public String requestId() {
        return requestId;
    }

    /** The calling tenant's plan limits as the gateway vouched for them; empty for administrators and components. */
    public java.util.Optional<PlanLimits> plan() {
        return java.util.Optional.ofNullable(token().plan());
    }
}
