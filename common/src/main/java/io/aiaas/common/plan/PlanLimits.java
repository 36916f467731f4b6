package io.aiaas.common.plan;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A plan's limits as they travel between components: in tenant-service's key verification and in the internal token
 * (claim {@code plan}), so that every service enforces the caller's limits without asking tenant-service.
 *
 * @param name the plan's name
 * @param version increases with every change of the plan, so cached tokens and verifications of an older version are
 *     recognisable
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PlanLimits(
        String name,
        Long version,
        int requestsPerSecond,
        int burst,
        int concurrentJobs,
        long monthlyComputeUnits,
        long maxRequestBytes,
        long maxModelBytes,
        long storageBytes,
        long maxBatchRows) {}
