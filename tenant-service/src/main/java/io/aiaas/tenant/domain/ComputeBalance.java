package io.aiaas.tenant.domain;

import java.time.Instant;

/**
 * A tenant's compute units in one UTC month: its plan's quota, the units its usage events billed, the units held by
 * live reservations, and what is left ({@code monthlyQuota − used − reserved}, never below 0).
 */
public record ComputeBalance(
        Instant monthStart, Instant monthEnd, long monthlyQuota, long used, long reserved, long remaining) {

    public static ComputeBalance of(Instant monthStart, Instant monthEnd, long quota, long used, long reserved) {
        return new ComputeBalance(monthStart, monthEnd, quota, used, reserved, Math.max(0, quota - used - reserved));
    }
}
