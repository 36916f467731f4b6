package io.aiaas.tenant.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.aiaas.common.auth.Scopes;
import io.aiaas.common.plan.PlanLimits;
import io.aiaas.tenant.domain.ApiKey;
import io.aiaas.tenant.domain.Plan;
import io.aiaas.tenant.service.ApiKeyService;
import io.aiaas.tenant.service.TenantOwners;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Request and response bodies about API keys. Listings never carry a secret or a hash. */
public final class ApiKeyViews {
    private ApiKeyViews() {}

    /** {@code POST …/api-keys}. */
    @Schema(name = "CreateApiKey", requiredProperties = "name")
    public record CreateKey(
            @Schema(maxLength = 100) String name,
            @Schema(
                            description = "At least one of `models:read`, `models:write`, `datasets:read`,"
                                    + " `datasets:write`, `jobs:read`, `jobs:write`, `predict`, `usage:read`,"
                                    + " `keys:manage`.")
                    List<String> scopes,
            @Schema(description = "When the key stops working; in the future, or absent for never.")
                    Instant expiresAt) {}

    @Schema(name = "ApiKey", description = "A key as listings show it: never its secret or hash.")
    public record KeyView(
            String keyId,
            String name,
            List<String> scopes,
            Instant createdAt,
            Instant expiresAt,
            Instant lastUsedAt,
            @Schema(description = "Present only on revoked keys.") @JsonInclude(JsonInclude.Include.NON_NULL)
                    Instant revokedAt) {
        public static KeyView of(ApiKey k) {
            return new KeyView(k.keyId, k.name, k.scopes, k.createdAt, k.expiresAt, k.lastUsedAt, k.revokedAt);
        }
    }

    /** The answer to a creation: the only time {@code key} is ever shown. */
    @Schema(name = "ApiKeyCreated")
    public record CreatedKey(
            String keyId,
            String name,
            List<String> scopes,
            Instant createdAt,
            Instant expiresAt,
            @Schema(description = "The secret key, shown only in this answer.", pattern = "^aiaas_[0-9A-Za-z]{46}$")
                    String key) {
        public static CreatedKey of(ApiKeyService.IssuedKey issued) {
            ApiKey k = issued.key();
            return new CreatedKey(k.keyId, k.name, k.scopes, k.createdAt, k.expiresAt, issued.secret());
        }
    }

    /** {@code POST /internal/v1/api-keys/verify}. */
    public record VerifyKey(String keyHash) {}

    /** The gateway's answer; {@code plan} carries the plan's version, so gateways can tell plan changes apart. */
    public record VerifiedKeyView(
            String tenantId,
            String keyId,
            List<String> scopes,
            Instant expiresAt,
            String tenantStatus,
            PlanLimits plan) {
        public static VerifiedKeyView of(ApiKeyService.VerifiedKey v) {
            return new VerifiedKeyView(
                    v.tenant().id,
                    v.key().keyId,
                    v.key().scopes,
                    v.key().expiresAt,
                    v.tenant().status.value(),
                    limits(v.plan()));
        }

        /** A tenant's owner, as the gateway treats it: a caller with every scope whose id is {@code ownerId}. */
        public static VerifiedKeyView ofOwner(TenantOwners.VerifiedOwner v) {
            return new VerifiedKeyView(
                    v.tenant().id,
                    v.ownerId(),
                    Scopes.ALL,
                    null,
                    v.tenant().status.value(),
                    limits(v.plan()));
        }

        private static PlanLimits limits(Plan p) {
            return new PlanLimits(
                    p.name,
                    p.version,
                    p.requestsPerSecond,
                    p.burst,
                    p.concurrentJobs,
                    p.monthlyComputeUnits,
                    p.maxRequestBytes,
                    p.maxModelBytes,
                    p.storageBytes,
                    p.maxBatchRows);
        }
    }
}
