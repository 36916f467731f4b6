package io.aiaas.tenant.api;

import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.limits.RateLimitLease;
import io.aiaas.common.quarkus.auth.CallerContext;
import io.aiaas.tenant.service.RateLimitOwner;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** Gateway replicas lease slices of tenants' request buckets here; not routed from outside. */
@Path("/internal/v1/rate-limits")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class RateLimitResource {

    private final RateLimitOwner owner;
    private final CallerContext caller;

    public RateLimitResource(RateLimitOwner owner, CallerContext caller) {
        this.owner = owner;
        this.caller = caller;
    }

    @POST
    @Path("/lease")
    @org.eclipse.microprofile.openapi.annotations.Operation(hidden = true)
    public RateLimitLease.Grant lease(RateLimitLease.Request body) {
        caller.requireService(InternalToken.ISSUER_GATEWAY);
        Bodies.required(body);
        if (body.tenantId() == null
                || body.tenantId().isBlank()
                || body.replica() == null
                || body.replica().isBlank()
                || body.requestsPerSecond() == null
                || body.requestsPerSecond() < 1
                || body.burst() == null
                || body.burst() < 1
                || body.want() == null
                || body.want() < 0
                || (body.returned() != null && body.returned() < 0)) {
            throw ApiException.badRequest(
                    "A lease needs tenantId, replica, requestsPerSecond ≥ 1, burst ≥ 1, want ≥ 0 and returned ≥ 0.");
        }
        RateLimitOwner.Lease lease = owner.lease(
                body.tenantId(),
                body.replica(),
                body.requestsPerSecond(),
                body.burst(),
                body.want(),
                body.immediate() == null ? 0 : Math.max(0, body.immediate()),
                body.returned() == null ? 0 : body.returned(),
                body.returnedEpoch());
        return new RateLimitLease.Grant(
                lease.epoch(), lease.granted(), lease.available(), lease.retryAfterMillis(), lease.leaseMillis());
    }
}
