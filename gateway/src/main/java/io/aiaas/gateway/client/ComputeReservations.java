package io.aiaas.gateway.client;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/** tenant-service's compute-unit ledger as the gateway's blocks of units use it ({@link ComputeBlockClient}). */
public interface ComputeReservations {

    /** A block granted: {@code units}, at most those asked for. */
    record Block(String reservationId, long units) {}

    /**
     * Up to {@code units}, at least 1, for {@code ttl}; fails with an {@code ApiException}: 429
     * {@code quota-exceeded} with {@code Retry-After} when not even one unit is left, 503 when tenant-service cannot
     * say.
     */
    CompletionStage<Block> reserve(String tenantId, String reservationId, long units, Duration ttl);

    /** Gives back {@code units} of a block; best effort, never fails (what is not given back expires). */
    CompletionStage<Void> release(String tenantId, String reservationId, long units);
}
