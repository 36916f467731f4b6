package io.aiaas.tenant.api;

import io.aiaas.common.auth.Scopes;
import io.aiaas.common.page.Page;
import io.aiaas.common.page.PageRequest;
import io.aiaas.common.quarkus.auth.CallerContext;
import io.aiaas.tenant.api.ApiKeyViews.CreateKey;
import io.aiaas.tenant.api.ApiKeyViews.CreatedKey;
import io.aiaas.tenant.api.ApiKeyViews.KeyView;
import io.aiaas.tenant.domain.Actor;
import io.aiaas.tenant.service.ApiKeyService;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** A tenant's own keys; the tenant is the one the internal token names, never one the client sends. */
@Path("/v1/api-keys")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ApiKeyResource {
    private final ApiKeyService keys;
    private final CallerContext caller;

    public ApiKeyResource(ApiKeyService keys, CallerContext caller) {
        this.keys = keys;
        this.caller = caller;
    }

    @GET
    public Page<KeyView> list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        String tenant = caller.tenantWithScope(Scopes.KEYS_MANAGE);
        return keys.list(tenant, PageRequest.of(limit, cursor), false).map(KeyView::of);
    }

    @POST
    public Response create(CreateKey body) {
        String tenant = caller.tenantWithScope(Scopes.KEYS_MANAGE);
        Bodies.required(body);
        // A key hands out at most the scopes it holds itself.
        CreatedKey created = CreatedKey.of(keys.issue(
                tenant,
                body.name(),
                body.scopes(),
                body.expiresAt(),
                caller.token().scp(),
                actor()));
        return Response.status(Response.Status.CREATED).entity(created).build();
    }

    @DELETE
    @Path("/{keyId}")
    public Response revoke(@PathParam("keyId") String keyId) {
        String tenant = caller.tenantWithScope(Scopes.KEYS_MANAGE);
        keys.revoke(tenant, keyId, actor());
        return Response.noContent().build();
    }

    private Actor actor() {
        return new Actor(caller.actor(), caller.requestId());
    }
}
