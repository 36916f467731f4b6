package io.aiaas.gateway.client;

import io.aiaas.common.limits.RateLimitLease;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** tenant-service's owner of request buckets, as the gateway leases from it (built in {@link RateLimitOwnerClient}). */
@Path("/internal/v1/rate-limits")
public interface RateLimitApi {

    @POST
    @Path("/lease")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    Uni<RateLimitLease.Grant> lease(@HeaderParam("Authorization") String authorization, RateLimitLease.Request body);
}
