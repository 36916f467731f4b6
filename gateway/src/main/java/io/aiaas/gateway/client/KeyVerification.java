package io.aiaas.gateway.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.aiaas.common.plan.PlanLimits;
import java.time.Instant;
import java.util.List;

/**
 * What tenant-service knows of a live API key ({@code POST /internal/v1/api-keys/verify}). Fields it may add later are
 * ignored.
 *
 * @param tenantId the key's tenant
 * @param keyId the public key id
 * @param scopes the key's scopes
 * @param expiresAt when the key stops working; null for never
 * @param tenantStatus {@code active} or {@code suspended}
 * @param plan the tenant's plan and its limits ({@code version} may be absent)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record KeyVerification(
        String tenantId, String keyId, List<String> scopes, Instant expiresAt, String tenantStatus, PlanLimits plan) {

    public static final String STATUS_SUSPENDED = "suspended";

    public KeyVerification {
        scopes = scopes == null ? List.of() : List.copyOf(scopes);
    }

    public boolean suspended() {
        return STATUS_SUSPENDED.equals(tenantStatus);
    }

    public boolean expiredAt(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }
}
