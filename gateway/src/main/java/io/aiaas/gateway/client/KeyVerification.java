package io.aiaas.gateway.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;

/**
 * What tenant-service knows of a live API key ({@code POST /internal/v1/api-keys/verify}).
 *
 * @param tenantId the key's tenant
 * @param keyId the public key id
 * @param scopes the key's scopes
 * @param expiresAt when the key stops working; null for never
 * @param tenantStatus {@code active} or {@code suspended}
 * @param plan the tenant's plan body
 */
public record KeyVerification(
        String tenantId, String keyId, List<String> scopes, Instant expiresAt, String tenantStatus, JsonNode plan) {

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
