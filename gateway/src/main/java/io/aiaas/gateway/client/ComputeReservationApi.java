package io.aiaas.gateway.client;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * tenant-service's compute-unit reservations, as the gateway reserves blocks of units for online predictions (built in
 * {@link ComputeBlockClient}).
 */
@Path("/internal/v1/compute/reservations")
public interface ComputeReservationApi {

    /** Up to {@code units}, at least {@code minUnits}, held for {@code ttlSeconds}. */
    record BlockRequest(String tenantId, String reservationId, long units, long ttlSeconds, long minUnits) {}

    /** 201 with the units granted, or 429 (quota reached) with {@code Retry-After}. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    Uni<Response> reserve(@HeaderParam("Authorization") String authorization, BlockRequest body);

    /** Gives back {@code units} of the block (its unspent part). */
    @DELETE
    @Path("/{tenantId}/{reservationId}")
    Uni<Response> release(
            @HeaderParam("Authorization") String authorization,
            @PathParam("tenantId") String tenantId,
            @PathParam("reservationId") String reservationId,
            @QueryParam("units") long units);
}
