package io.aiaas.model.client;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * tenant-service's compute-unit reservations, as a Quarkus REST client. Every answer comes back whatever its status, so
 * that {@link TenantServiceCalls} decides what a status means.
 */
@Path("/internal/v1/compute/reservations")
public interface TenantServiceApi {

    /** What model-service asks for; tenant-service answers 201, 429 (quota spent) or a problem. */
    record ReservationRequest(String tenantId, String reservationId, long units, long ttlSeconds) {}

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
    RestResponse<String> reserve(
            @HeaderParam("Authorization") String authorization,
            @HeaderParam("X-Request-Id") String requestId,
            ReservationRequest body);

    @DELETE
    @Path("{tenantId}/{reservationId}")
    @Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
    RestResponse<String> release(
            @HeaderParam("Authorization") String authorization,
            @HeaderParam("X-Request-Id") String requestId,
            @PathParam("tenantId") String tenantId,
            @PathParam("reservationId") String reservationId);
}
