package io.aiaas.tenant.api;

import io.aiaas.common.auth.Scopes;
import io.aiaas.common.page.Page;
import io.aiaas.common.page.PageRequest;
import io.aiaas.common.quarkus.auth.CallerContext;
import io.aiaas.common.quarkus.idempotency.IdempotentRequest;
import io.aiaas.common.quarkus.idempotency.IdempotentResponses;
import io.aiaas.tenant.api.ApiKeyViews.CreateKey;
import io.aiaas.tenant.api.ApiKeyViews.CreatedKey;
import io.aiaas.tenant.api.ApiKeyViews.KeyView;
import io.aiaas.tenant.api.TenantViews.CreateTenant;
import io.aiaas.tenant.api.TenantViews.TenantView;
import io.aiaas.tenant.api.TenantViews.UpdateTenant;
import io.aiaas.tenant.domain.Actor;
import io.aiaas.tenant.domain.Tenant;
import io.aiaas.tenant.domain.TenantOwner;
import io.aiaas.tenant.service.ApiKeyService;
import io.aiaas.tenant.service.TenantOwners;
import io.aiaas.tenant.service.TenantService;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Tenants and their keys, for platform administrators. */
@Path("/admin/v1/tenants")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Admin tenants", description = "Tenants and their API keys.")
public class AdminTenantResource {
    static final String TENANT_ID = "The tenant's id.";

    private final TenantService tenants;
    private final ApiKeyService keys;
    private final CallerContext caller;
    private final IdempotentResponses responses;
    private final TenantOwners owners;

    public AdminTenantResource(
            TenantService tenants,
            ApiKeyService keys,
            CallerContext caller,
            IdempotentResponses responses,
            TenantOwners owners) {
        this.tenants = tenants;
        this.keys = keys;
        this.caller = caller;
        this.responses = responses;
        this.owners = owners;
    }

    @POST
    @Operation(
            operationId = "adminCreateTenant",
            summary = "Create a tenant",
            description = "An unknown plan, a name over 100 characters or a malformed e-mail is a 422; a taken name"
                    + " a 409. " + IdempotentRequest.HONOURED + " Administrators share one set of keys.")
    @RequestBody(required = true)
    @APIResponse(
            responseCode = "201",
            description = "The tenant, `active`.",
            headers = @Header(name = "Location", ref = "Location"),
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = TenantView.class)))
    @APIResponse(responseCode = "409", ref = "Conflict")
    @APIResponse(responseCode = "422", ref = "Unprocessable")
    public Response create(
            CreateTenant body,
            @Parameter(
                            description = IdempotentRequest.KEY_DESCRIPTION,
                            schema = @Schema(type = SchemaType.STRING, pattern = IdempotentRequest.KEY_PATTERN))
                    @HeaderParam(IdempotentRequest.HEADER)
                    String idempotencyKey) {
        caller.requireAdmin();
        Bodies.required(body);
        return responses.toResponse(tenants.create(
                Bodies.requiredText("name", body.name()),
                Bodies.requiredText("plan", body.plan()),
                body.ownerEmail(),
                actor(),
                IdempotentRequest.ofJson(
                        IdempotentRequest.PLATFORM_SCOPE, idempotencyKey, "POST", "/admin/v1/tenants", body),
                tenant -> responses.created("/admin/v1/tenants/" + tenant.id, view(tenant))));
    }

    @GET
    @Operation(operationId = "adminListTenants", summary = "List tenants", description = "Newest first.")
    @APIResponse(responseCode = "200", description = "One page of tenants.")
    public Page<TenantView> list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        caller.requireAdmin();
        Page<Tenant> page = tenants.list(PageRequest.of(limit, cursor));
        Map<String, TenantOwner> current =
                owners.currentOf(page.items().stream().map(t -> t.id).toList());
        return page.map(t -> TenantView.of(t, current.get(t.id)));
    }

    @GET
    @Path("/{id}")
    @Operation(operationId = "adminGetTenant", summary = "Read a tenant")
    @APIResponse(responseCode = "200", description = "The tenant.")
    public TenantView get(@Parameter(description = TENANT_ID) @PathParam("id") String id) {
        caller.requireAdmin();
        return view(tenants.get(id));
    }

    @PATCH
    @Path("/{id}")
    @Consumes({MediaType.APPLICATION_JSON, "application/merge-patch+json"})
    @Operation(
            operationId = "adminUpdateTenant",
            summary = "Change a tenant's name, plan or owner e-mail",
            description = "What is present changes; absent or null members stay as they are.")
    @RequestBody(required = true)
    @APIResponse(responseCode = "200", description = "The tenant.")
    @APIResponse(responseCode = "409", ref = "Conflict")
    @APIResponse(responseCode = "422", ref = "Unprocessable")
    public TenantView update(@Parameter(description = TENANT_ID) @PathParam("id") String id, UpdateTenant body) {
        caller.requireAdmin();
        Bodies.required(body);
        return view(tenants.update(id, body.name(), body.plan(), body.ownerEmail(), actor()));
    }

    @DELETE
    @Path("/{id}")
    @Operation(
            operationId = "adminDeleteTenant",
            summary = "Delete a tenant",
            description = "Revokes all its keys; the tenant is gone for every API, its usage and audit entries stay.")
    @APIResponse(responseCode = "204", description = "Deleted.")
    public Response delete(@Parameter(description = TENANT_ID) @PathParam("id") String id) {
        caller.requireAdmin();
        tenants.delete(id, actor());
        return Response.noContent().build();
    }

    @POST
    @Path("/{id}/suspend")
    @Operation(
            operationId = "adminSuspendTenant",
            summary = "Suspend a tenant",
            description = "Its API keys are then refused with 403 `tenant-suspended`. Suspending a suspended tenant"
                    + " changes nothing.")
    @APIResponse(responseCode = "200", description = "The tenant, `suspended`.")
    public TenantView suspend(@Parameter(description = TENANT_ID) @PathParam("id") String id) {
        caller.requireAdmin();
        return view(tenants.suspend(id, actor()));
    }

    @POST
    @Path("/{id}/resume")
    @Operation(operationId = "adminResumeTenant", summary = "Resume a suspended tenant")
    @APIResponse(responseCode = "200", description = "The tenant, `active`.")
    public TenantView resume(@Parameter(description = TENANT_ID) @PathParam("id") String id) {
        caller.requireAdmin();
        return view(tenants.resume(id, actor()));
    }

    @POST
    @Path("/{id}/api-keys")
    @Operation(
            operationId = "adminCreateTenantApiKey",
            summary = "Create an API key for a tenant",
            description = "The tenant's own body. Without `scopes` the key gets every scope. An unknown scope, an"
                    + " empty list or an `expiresAt` not in the future is a 422. " + ApiKeyResource.NOT_IDEMPOTENT)
    @RequestBody(required = true)
    @APIResponse(
            responseCode = "201",
            description = "The key, with its secret (shown this once).",
            headers = @Header(name = "Location", ref = "Location"),
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = CreatedKey.class)))
    @APIResponse(responseCode = "422", ref = "Unprocessable")
    public Response createKey(@Parameter(description = TENANT_ID) @PathParam("id") String id, CreateKey body) {
        caller.requireAdmin();
        Bodies.required(body);
        CreatedKey created =
                CreatedKey.of(keys.issue(id, body.name(), body.scopes(), body.expiresAt(), Scopes.ALL, actor()));
        // relative, as the gateway serves it (Response.created would make it absolute against this service)
        return Response.status(Response.Status.CREATED)
                .header(HttpHeaders.LOCATION, "/admin/v1/tenants/" + id + "/api-keys/" + created.keyId())
                .entity(created)
                .build();
    }

    @GET
    @Path("/{id}/api-keys")
    @Operation(
            operationId = "adminListTenantApiKeys",
            summary = "List a tenant's API keys",
            description = "Never shows a key's secret; revoked keys carry `revokedAt`.")
    @APIResponse(responseCode = "200", description = "One page of keys.")
    public Page<KeyView> listKeys(
            @Parameter(description = TENANT_ID) @PathParam("id") String id,
            @QueryParam("limit") String limit,
            @QueryParam("cursor") String cursor) {
        caller.requireAdmin();
        return keys.list(id, PageRequest.of(limit, cursor), true).map(KeyView::of);
    }

    @GET
    @Path("/{id}/api-keys/{keyId}")
    @Operation(
            operationId = "adminGetTenantApiKey",
            summary = "Read one of a tenant's API keys",
            description = "Never shows the key's secret; a revoked key carries `revokedAt`.")
    @APIResponse(responseCode = "200", description = "The key.")
    @APIResponse(responseCode = "404", ref = "NotFound")
    public KeyView getKey(
            @Parameter(description = TENANT_ID) @PathParam("id") String id,
            @Parameter(description = ApiKeyResource.KEY_ID) @PathParam("keyId") String keyId) {
        caller.requireAdmin();
        return KeyView.of(keys.get(id, keyId));
    }

    @DELETE
    @Path("/{id}/api-keys/{keyId}")
    @Operation(
            operationId = "adminRevokeTenantApiKey",
            summary = "Revoke a tenant's API key",
            description = "Revoking a revoked key again changes nothing (204).")
    @APIResponse(responseCode = "204", description = "Revoked.")
    public Response revokeKey(
            @Parameter(description = TENANT_ID) @PathParam("id") String id,
            @Parameter(description = ApiKeyResource.KEY_ID) @PathParam("keyId") String keyId) {
        caller.requireAdmin();
        keys.revoke(id, keyId, actor());
        return Response.noContent().build();
    }

    private TenantView view(Tenant tenant) {
        return TenantView.of(tenant, owners.currentOf(List.of(tenant.id)).get(tenant.id));
    }

    private Actor actor() {
        return new Actor(caller.actor(), caller.requestId());
    }
}
