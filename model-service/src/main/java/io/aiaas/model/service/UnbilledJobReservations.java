package io.aiaas.model.service;

import io.aiaas.model.client.ComputeReservations;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;

/**
 * Releases the compute-unit reservation of a job that ended without a usage event, once the ending committed (a
 * rolled-back ending releases nothing). A release that fails, or a crash before it, only leaves the reservation to
 * expire.
 */
@ApplicationScoped
public class UnbilledJobReservations {
    private final ComputeReservations reservations;

    public UnbilledJobReservations(ComputeReservations reservations) {
        this.reservations = reservations;
    }

    void ended(@Observes(during = TransactionPhase.AFTER_SUCCESS) UnbilledJobEnded ended) {
        reservations.releaseLater(ended.tenantId(), ended.jobId(), ended.requestId());
    }
}
