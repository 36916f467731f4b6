package io.aiaas.tenant.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.aiaas.tenant.domain.Tenant;
import java.time.Instant;

/** Request and response bodies of the tenant admin API. */
public final class TenantViews {
    private TenantViews() {}

    /** {@code POST /admin/v1/tenants}. */
    public record CreateTenant(String name, String plan, String ownerEmail) {}

    /** {@code PATCH /admin/v1/tenants/{id}}: what is present changes. */
    public record UpdateTenant(String name, String plan, String ownerEmail) {}

    public record TenantView(
            String id,
            String name,
            String plan,
            String status,
            @JsonInclude(JsonInclude.Include.NON_NULL) String ownerEmail,
            Instant createdAt) {
        public static TenantView of(Tenant t) {
            return new TenantView(t.id, t.name, t.plan, t.status.value(), t.ownerEmail, t.createdAt);
        }
    }
}
