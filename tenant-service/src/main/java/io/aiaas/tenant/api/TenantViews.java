package io.aiaas.tenant.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.aiaas.tenant.domain.Tenant;
import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Request and response bodies of the tenant admin API. */
public final class TenantViews {
    private TenantViews() {}

    /** {@code POST /admin/v1/tenants}. */
    @Schema(
            name = "CreateTenant",
            requiredProperties = {"name", "plan"})
    public record CreateTenant(
            @Schema(maxLength = 100) String name,
            @Schema(description = "The name of an existing plan.") String plan,
            @Schema(format = "email") String ownerEmail) {}

    /** {@code PATCH /admin/v1/tenants/{id}}: what is present changes. */
    @Schema(name = "UpdateTenant")
    public record UpdateTenant(
            @Schema(maxLength = 100) String name, String plan, @Schema(format = "email") String ownerEmail) {}

    @Schema(name = "Tenant")
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
