package io.aiaas.tenant.api;

import io.aiaas.common.auth.Scopes;
import io.aiaas.common.page.Page;
import io.aiaas.common.page.PageRequest;
import io.aiaas.common.quarkus.auth.CallerContext;
import io.aiaas.tenant.api.ApiKeyViews.CreateKey;
import io.aiaas.tenant.api.ApiKeyViews.CreatedKey;
import io.aiaas.tenant.api.ApiKeyViews.KeyView;
import io.aiaas.tenant.api.TenantViews.CreateTenant;
import io.aiaas.tenant.api.TenantViews.TenantView;
import io.aiaas.tenant.api.TenantViews.UpdateTenant;
import io.aiaas.tenant.domain.Actor;
import io.aiaas.tenant.service.ApiKeyService;
import io.aiaas.tenant.service.TenantService;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;

/** Tenants and their keys, for platform administrators. */
@Path("/admin/v1/tenants")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class AdminTenantResource {
    private final TenantService tenants;
    private final ApiKeyService keys;
    private final CallerContext caller;

    public AdminTenantResource(TenantService tenants, ApiKeyService keys, CallerContext caller) {
        this.tenants = tenants;
        this.keys = keys;
        this.caller = caller;
    }

    @POST
    public Response create(CreateTenant body) {
        caller.requireAdmin();
        Bodies.required(body);
        TenantView created = TenantView.of(tenants.create(
                Bodies.requiredText("name", body.name()),
                Bodies.requiredText("plan", body.plan()),
                body.ownerEmail(),
                actor()));
        return Response.created(URI.create("/admin/v1/tenants/" + created.id()))
                .entity(created)
                .build();
    }

    @GET
    public Page<TenantView> list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        caller.requireAdmin();
        return tenants.list(PageRequest.of(limit, cursor)).map(TenantView::of);
    }

    @GET
    @Path("/{id}")
    public TenantView get(@PathParam("id") String id) {
        caller.requireAdmin();
        return TenantView.of(tenants.get(id));
    }

    @PATCH
    @Path("/{id}")
    @Consumes({MediaType.APPLICATION_JSON, "application/merge-patch+json"})
    public TenantView update(@PathParam("id") String id, UpdateTenant body) {
        caller.requireAdmin();
        Bodies.required(body);
        return TenantView.of(tenants.update(id, body.name(), body.plan(), body.ownerEmail(), actor()));
    }

    @DELETE
    @Path("/{id}")
    public Response delete(@PathParam("id") String id) {
        caller.requireAdmin();
        tenants.delete(id, actor());
        return Response.noContent().build();
    }

    @POST
    @Path("/{id}/suspend")
    public TenantView suspend(@PathParam("id") String id) {
        caller.requireAdmin();
        return TenantView.of(tenants.suspend(id, actor()));
    }

    @POST
    @Path("/{id}/resume")
    public TenantView resume(@PathParam("id") String id) {
        caller.requireAdmin();
        return TenantView.of(tenants.resume(id, actor()));
    }

    @POST
    @Path("/{id}/api-keys")
    public Response createKey(@PathParam("id") String id, CreateKey body) {
        caller.requireAdmin();
        Bodies.required(body);
        CreatedKey created =
                CreatedKey.of(keys.issue(id, body.name(), body.scopes(), body.expiresAt(), Scopes.ALL, actor()));
        return Response.status(Response.Status.CREATED).entity(created).build();
    }

    @GET
    @Path("/{id}/api-keys")
    public Page<KeyView> listKeys(
            @PathParam("id") String id, @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        caller.requireAdmin();
        return keys.list(id, PageRequest.of(limit, cursor), true).map(KeyView::of);
    }

    @DELETE
    @Path("/{id}/api-keys/{keyId}")
    public Response revokeKey(@PathParam("id") String id, @PathParam("keyId") String keyId) {
        caller.requireAdmin();
        keys.revoke(id, keyId, actor());
        return Response.noContent().build();
    }

    private Actor actor() {
        return new Actor(caller.actor(), caller.requestId());
    }
}
