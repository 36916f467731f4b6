package io.aiaas.tenant.domain;

import java.time.Instant;

/**
 * Compute units held for admitted work until its usage event settles them.
 *
 * @param reservationId the work's id (a job id), unique per tenant
 * @param settledAt when the work's usage event was stored; null while the reservation counts
 */
public record ComputeReservation(
        String tenantId, String reservationId, long units, Instant createdAt, Instant expiresAt, Instant settledAt) {

    /** Whether it still holds units at {@code now}. */
    public boolean liveAt(Instant now) {
        return settledAt == null && expiresAt.isAfter(now);
    }
}
