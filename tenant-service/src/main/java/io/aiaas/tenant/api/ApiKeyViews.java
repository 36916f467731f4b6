package io.aiaas.tenant.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.aiaas.common.plan.PlanLimits;
import io.aiaas.tenant.domain.ApiKey;
import io.aiaas.tenant.domain.Plan;
import io.aiaas.tenant.service.ApiKeyService;
import java.time.Instant;
import java.util.List;

/** Request and response bodies about API keys. Listings never carry a secret or a hash. */
public final class ApiKeyViews {
    private ApiKeyViews() {}

    /** {@code POST …/api-keys}. */
    public record CreateKey(String name, List<String> scopes, Instant expiresAt) {}

    public record KeyView(
            String keyId,
            String name,
            List<String> scopes,
            Instant createdAt,
            Instant expiresAt,
            Instant lastUsedAt,
            @JsonInclude(JsonInclude.Include.NON_NULL) Instant revokedAt) {
        public static KeyView of(ApiKey k) {
            return new KeyView(k.keyId, k.name, k.scopes, k.createdAt, k.expiresAt, k.lastUsedAt, k.revokedAt);
        }
    }

    /** The answer to a creation: the only time {@code key} is ever shown. */
    public record CreatedKey(
            String keyId, String name, List<String> scopes, Instant createdAt, Instant expiresAt, String key) {
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
            Plan p = v.plan();
            return new VerifiedKeyView(
                    v.tenant().id,
                    v.key().keyId,
                    v.key().scopes,
                    v.key().expiresAt,
                    v.tenant().status.value(),
                    new PlanLimits(
                            p.name,
                            p.version,
                            p.requestsPerSecond,
                            p.burst,
                            p.concurrentJobs,
                            p.monthlyComputeUnits,
                            p.maxRequestBytes,
                            p.maxModelBytes,
                            p.storageBytes,
                            p.maxBatchRows));
        }
    }
}
