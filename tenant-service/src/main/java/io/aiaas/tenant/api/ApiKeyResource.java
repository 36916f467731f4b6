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
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** A tenant's own keys; the tenant is the one the internal token names, never one the client sends. */
@Path("/v1/api-keys")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "API keys", description = "A tenant's own API keys.")
public class ApiKeyResource {
    static final String KEY_ID = "The key's public id (characters 7 to 18 of the key).";
    /** Why key creation is the one creating POST without Idempotency-Key (CONTRACT, "Idempotency"). */
    static final String NOT_IDEMPOTENT = "`Idempotency-Key` is ignored here: a replay would show the secret again, so"
            + " every call makes a new key.";

    private final ApiKeyService keys;
    private final CallerContext caller;

    public ApiKeyResource(ApiKeyService keys, CallerContext caller) {
        this.keys = keys;
        this.caller = caller;
    }

    @GET
    @Operation(
            operationId = "listApiKeys",
            summary = "List the tenant's API keys",
            description = "Requires scope `keys:manage`. Never shows a key's secret; revoked keys carry `revokedAt`.",
            extensions = @Extension(name = "x-required-scope", value = Scopes.KEYS_MANAGE))
    @APIResponse(responseCode = "200", description = "One page of keys.")
    public Page<KeyView> list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        String tenant = caller.tenantWithScope(Scopes.KEYS_MANAGE);
        return keys.list(tenant, PageRequest.of(limit, cursor), false).map(KeyView::of);
    }

    @POST
    @Operation(
            operationId = "createApiKey",
            summary = "Create an API key",
            description = "Requires scope `keys:manage`. The new key's secret is in the answer, once. Without"
                    + " `scopes` the key gets every scope of the calling key; asking for a scope the calling key lacks"
                    + " is a 403, an unknown scope or an empty list a 422, an `expiresAt` not in the future a 422. "
                    + NOT_IDEMPOTENT,
            extensions = @Extension(name = "x-required-scope", value = Scopes.KEYS_MANAGE))
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
        // relative, as the gateway serves it (Response.created would make it absolute against this service)
        return Response.status(Response.Status.CREATED)
                .header(HttpHeaders.LOCATION, "/v1/api-keys/" + created.keyId())
                .entity(created)
                .build();
    }

    @GET
    @Path("/{keyId}")
    @Operation(
            operationId = "getApiKey",
            summary = "Read one of the tenant's API keys",
            description = "Requires scope `keys:manage`. Never shows the key's secret; a revoked key carries"
                    + " `revokedAt`. Another tenant's key is a 404.",
            extensions = @Extension(name = "x-required-scope", value = Scopes.KEYS_MANAGE))
    @APIResponse(responseCode = "200", description = "The key.")
    @APIResponse(responseCode = "404", ref = "NotFound")
    public KeyView get(@Parameter(description = KEY_ID) @PathParam("keyId") String keyId) {
        String tenant = caller.tenantWithScope(Scopes.KEYS_MANAGE);
        return KeyView.of(keys.get(tenant, keyId));
    }

    @DELETE
    @Path("/{keyId}")
    @Operation(
            operationId = "revokeApiKey",
            summary = "Revoke an API key",
            description = "Requires scope `keys:manage`. Revoking a revoked key again changes nothing (204).",
            extensions = @Extension(name = "x-required-scope", value = Scopes.KEYS_MANAGE))
    @APIResponse(responseCode = "204", description = "Revoked.")
    public Response revoke(@Parameter(description = KEY_ID) @PathParam("keyId") String keyId) {
        String tenant = caller.tenantWithScope(Scopes.KEYS_MANAGE);
        keys.revoke(tenant, keyId, actor());
        return Response.noContent().build();
    }

    private Actor actor() {
        return new Actor(caller.actor(), caller.requestId());
    }
}
