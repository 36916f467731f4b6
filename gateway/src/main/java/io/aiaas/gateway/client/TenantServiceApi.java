package io.aiaas.gateway.client;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** tenant-service's internal API as the gateway calls it (Quarkus REST client, built in {@link TenantServiceClient}). */
@Path("/internal/v1")
public interface TenantServiceApi {

    /** The body of a verification: only the key's SHA-256 travels, never the key. */
    record VerifyKey(String keyHash) {}

    /** 200 with a {@link KeyVerification}, or 404 when no live key has this hash. */
    @POST
    @Path("/api-keys/verify")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    Uni<Response> verify(
            @HeaderParam("Authorization") String authorization,
            @HeaderParam("X-Request-Id") String requestId,
            VerifyKey body);

    /** The body of an owner's verification: Keycloak's id of the token's user. */
    record VerifyOwner(String subject) {}

    /** 200 with a {@link KeyVerification} for the tenant's owner, or 404 for an unknown or deleted tenant. */
    @POST
    @Path("/tenants/{tenantId}/owner/verify")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    Uni<Response> verifyOwner(
            @HeaderParam("Authorization") String authorization,
            @HeaderParam("X-Request-Id") String requestId,
            @PathParam("tenantId") String tenantId,
            VerifyOwner body);
}
