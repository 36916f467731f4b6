package io.aiaas.tenant.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.aiaas.tenant.domain.Tenant;
import io.aiaas.tenant.domain.TenantOwner;
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
            Instant createdAt,
            @JsonInclude(JsonInclude.Include.NON_NULL)
                    @Schema(description = "The owner's Keycloak user, when the tenant has an `ownerEmail`.")
                    OwnerView owner) {
        public static TenantView of(Tenant t) {
            return of(t, null);
        }

        /** @param owner the tenant's current owner row; null for none */
        public static TenantView of(Tenant t, TenantOwner owner) {
            return new TenantView(
                    t.id,
                    t.name,
                    t.plan,
                    t.status.value(),
                    t.ownerEmail,
                    t.createdAt,
                    owner == null ? null : new OwnerView(owner.email, owner.status));
        }
    }

    /** A tenant's owner: the Keycloak user with its e-mail, and how far its provisioning is. */
    @Schema(name = "TenantOwner")
    public record OwnerView(
            String email,
            @Schema(
                            enumeration = {"pending", "provisioned", "failed"},
                            description = "`pending` until the user exists in Keycloak (retried while Keycloak is"
                                    + " down); `failed` when the e-mail is another tenant's owner's.")
                    String status) {}
}
