package io.aiaas.gateway.client;

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

    /**
     * Up to {@code want} tokens for this gateway instance, {@code immediate} of them for requests waiting now (spent
     * as the answer arrives), giving back {@code returned} of an earlier lease.
     */
    record LeaseRequest(
            String tenantId,
            String replica,
            int requestsPerSecond,
            int burst,
            long want,
            long immediate,
            long returned,
            String returnedEpoch) {}

    /** What the owner granted, what its bucket still holds, and when a refused token will exist. */
    record Lease(String epoch, long granted, long available, long retryAfterMillis, long leaseMillis) {}

    @POST
    @Path("/lease")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    Uni<Lease> lease(@HeaderParam("Authorization") String authorization, LeaseRequest body);
}
