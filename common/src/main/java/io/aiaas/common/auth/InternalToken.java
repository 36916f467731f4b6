package io.aiaas.common.auth;

import io.aiaas.common.plan.PlanLimits;
import java.util.List;

/**
 * The claims of the short-lived token a platform component signs for a call to another one (CONTRACT, Identity).
 *
 * @param iss the signer: {@link #ISSUER_GATEWAY} or a service's own issuer
 * @param aud the service the call is for
 * @param sub the key id or the administrator, or the calling component
 * @param tid the tenant the call acts for; null for administrators and components acting platform-wide
 * @param scp the API key's scopes
 * @param roles {@code platform-admin} for administrators, {@code service} for components
 * @param rid the request id; optional, as tokens may be cached per key and audience (the request id then travels in
 *     {@code X-Request-Id})
 * @param plan the tenant's plan limits; null for administrators and components
 * @param iat issued at, epoch seconds
 * @param exp expiry, epoch seconds, at most 60 s after {@code iat}
 */
public record InternalToken(
        String iss,
        String aud,
        String sub,
        String tid,
        List<String> scp,
        List<String> roles,
        String rid,
        PlanLimits plan,
        long iat,
        long exp) {

    public static final String ISSUER_GATEWAY = "aiaas-gateway";
    public static final String ISSUER_WORKER = "aiaas-worker";
    public static final String ISSUER_MODEL_SERVICE = "aiaas-model-service";
    public static final String AUDIENCE_TENANT_SERVICE = "tenant-service";
    public static final String AUDIENCE_MODEL_SERVICE = "model-service";
    public static final long MAX_LIFETIME_SECONDS = 60;

    public InternalToken {
        scp = scp == null ? List.of() : List.copyOf(scp);
        roles = roles == null ? List.of() : List.copyOf(roles);
    }

    public boolean hasScope(String scope) {
        return scp.contains(scope);
    }

    public boolean hasRole(String role) {
        return roles.contains(role);
    }
}
