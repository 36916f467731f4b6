package io.aiaas.tenant.domain;

import io.aiaas.common.error.ApiException;

/** The limits a plan holds, checked for sense. */
public record PlanLimits(
        int requestsPerSecond,
        int burst,
        int concurrentJobs,
        long monthlyComputeUnits,
        long maxRequestBytes,
        long maxModelBytes,
        long storageBytes,
        long maxBatchRows) {

    /** 422 for limits that cannot mean anything. */
    public void validate() {
        atLeast("requestsPerSecond", requestsPerSecond, 1);
        atLeast("burst", burst, 1);
        atLeast("concurrentJobs", concurrentJobs, 1);
        atLeast("monthlyComputeUnits", monthlyComputeUnits, 0);
        atLeast("maxRequestBytes", maxRequestBytes, 1);
        atLeast("maxModelBytes", maxModelBytes, 1);
        atLeast("storageBytes", storageBytes, 0);
        atLeast("maxBatchRows", maxBatchRows, 1);
    }

    private static void atLeast(String field, long value, long min) {
        if (value < min) {
            throw ApiException.unprocessable("'" + field + "' must be at least " + min + ".");
        }
    }
}
