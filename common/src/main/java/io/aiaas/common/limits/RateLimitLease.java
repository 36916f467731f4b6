package io.aiaas.common.limits;

/**
 * The wire of tenant-service's owner of request buckets ({@code POST /internal/v1/rate-limits/lease}), which gateway
 * replicas lease slices of tenants' buckets from: one copy for both sides.
 */
public final class RateLimitLease {
    public static final String PATH = "/internal/v1/rate-limits/lease";

    private RateLimitLease() {}

    /**
     * Up to {@code want} tokens of the tenant's bucket for gateway instance {@code replica}, {@code immediate} of them
     * for requests waiting now (spent as the answer arrives), with the plan's rate and burst as the gateway holds
     * them, giving back {@code returned} unspent tokens of its lease of {@code returnedEpoch}. Boxed so that the owner
     * can tell a missing field from a zero.
     */
    public record Request(
            String tenantId,
            String replica,
            Integer requestsPerSecond,
            Integer burst,
            Long want,
            Long immediate,
            Long returned,
            String returnedEpoch) {}

    /** What the owner granted, what its bucket still holds, and when a refused token will exist. */
    public record Grant(String epoch, long granted, long available, long retryAfterMillis, long leaseMillis) {}
}
