package io.aiaas.tenant.api;

import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.quarkus.auth.CallerContext;
import io.aiaas.tenant.api.ApiKeyViews.VerifiedKeyView;
import io.aiaas.tenant.service.TenantOwners;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * The gateway's look-up of a tenant for a Keycloak token of its owner (claim {@code tenant_id}); the answer has the
 * shape of a key verification, so the gateway caches and drops it like one. Not routed from outside.
 */
@Path("/internal/v1/tenants")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class OwnerVerificationResource {

    /** The body: Keycloak's id of the token's user ({@code sub}). */
    public record VerifyOwner(String subject) {}

    private final TenantOwners owners;
    private final CallerContext caller;

    public OwnerVerificationResource(TenantOwners owners, CallerContext caller) {
        this.owners = owners;
        this.caller = caller;
    }

    /** 200 with the tenant's status and plan; 404 for an unknown or deleted tenant. */
    @POST
    @Path("/{id}/owner/verify")
    @org.eclipse.microprofile.openapi.annotations.Operation(hidden = true)
    public VerifiedKeyView verify(@PathParam("id") String tenantId, VerifyOwner body) {
        caller.requireService(InternalToken.ISSUER_GATEWAY);
        Bodies.required(body);
        return VerifiedKeyView.ofOwner(owners.verify(tenantId, body.subject()));
    }
}
