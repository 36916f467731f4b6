package io.aiaas.tenant.api;

import io.aiaas.common.error.ApiException;
import io.aiaas.tenant.domain.Plan;
import io.aiaas.tenant.domain.PlanLimits;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** A plan as the admin API reads and writes it. Boxed numbers, so a missing one is a 400 and not a silent 0. */
@Schema(
        name = "Plan",
        description = "A plan's limits. `name` is required when creating a plan.",
        requiredProperties = {
            "requestsPerSecond",
            "burst",
            "concurrentJobs",
            "monthlyComputeUnits",
            "maxRequestBytes",
            "maxModelBytes",
            "storageBytes",
            "maxBatchRows"
        })
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
