package io.aiaas.tenant.api;

import io.aiaas.common.error.ApiException;
import io.aiaas.tenant.domain.Plan;
import io.aiaas.tenant.domain.PlanLimits;

/** A plan as the admin API reads and writes it. Boxed numbers, so a missing one is a 400 and not a silent 0. */
public record PlanBody(
        String name,
        Integer requestsPerSecond,
        Integer burst,
        Integer concurrentJobs,
        Long monthlyComputeUnits,
        Long maxRequestBytes,
        Long maxModelBytes,
        Long storageBytes,
        Long maxBatchRows) {

    static PlanBody of(Plan p) {
        return new PlanBody(
                p.name,
                p.requestsPerSecond,
                p.burst,
                p.concurrentJobs,
                p.monthlyComputeUnits,
                p.maxRequestBytes,
                p.maxModelBytes,
                p.storageBytes,
                p.maxBatchRows);
    }

    PlanLimits limits() {
        return new PlanLimits(
                required("requestsPerSecond", requestsPerSecond),
                required("burst", burst),
                required("concurrentJobs", concurrentJobs),
                required("monthlyComputeUnits", monthlyComputeUnits),
                required("maxRequestBytes", maxRequestBytes),
                required("maxModelBytes", maxModelBytes),
                required("storageBytes", storageBytes),
                required("maxBatchRows", maxBatchRows));
    }

    private static <T> T required(String field, T value) {
        if (value == null) {
            throw ApiException.badRequest("'" + field + "' is required.");
        }
        return value;
    }
}
