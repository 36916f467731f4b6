package io.aiaas.common.events;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The {@code data} of a usage event. {@code units} = ceil(computeMillis × rate(device) / 1000). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UsageData(
        String tenantId,
        String jobId,
        String requestId,
        String model,
        Integer version,
        String device,
        long examples,
        long computeMillis,
        long units) {

    /** Compute units for {@code computeMillis} on a device billed at {@code ratePerSecond} units per second. */
    public static long units(long computeMillis, double ratePerSecond) {
        return (long) Math.ceil(computeMillis * ratePerSecond / 1000.0);
    }
}
