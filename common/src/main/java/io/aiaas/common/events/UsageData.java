package io.aiaas.common.events;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The {@code data} of a usage event. {@code units} = ceil(computeMillis × rate(device) / 1000). {@code reservationId}
 * (predictions only) names the gateway's block reservation of compute units the prediction was admitted from, which
 * the event lowers when it is stored; the gateway sets it, never a client.
 */
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
        long units,
        String reservationId) {

    /** Usage of work admitted without a block reservation (jobs settle theirs by job id). */
    public UsageData(
            String tenantId,
            String jobId,
            String requestId,
            String model,
            Integer version,
            String device,
            long examples,
            long computeMillis,
            long units) {
        this(tenantId, jobId, requestId, model, version, device, examples, computeMillis, units, null);
    }

    /** Compute units for {@code computeMillis} on a device billed at {@code ratePerSecond} units per second. */
    public static long units(long computeMillis, double ratePerSecond) {
        return (long) Math.ceil(computeMillis * ratePerSecond / 1000.0);
    }
}
