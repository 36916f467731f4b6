package io.aiaas.worker.service;

import io.aiaas.common.predict.PredictRequest;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An online prediction taken in and not yet answered. It is settled once: answered, or dropped past its deadline.
 *
 * @param requestIdHeader the record's {@code x-request-id}, copied onto the reply (null when absent)
 * @param traceparent the record's {@code traceparent}, copied onto the reply (null when absent)
 * @param receivedNanos {@link System#nanoTime()} when the poll returned it: the start of the worker's latency
 */
public record PendingPrediction(
        PredictRequest request, String requestIdHeader, String traceparent, long receivedNanos, AtomicBoolean settled) {

    public PendingPrediction(PredictRequest request, String requestIdHeader, String traceparent, long receivedNanos) {
        this(request, requestIdHeader, traceparent, receivedNanos, new AtomicBoolean());
    }

    public boolean expired(long nowMillis) {
        return nowMillis >= request.deadlineEpochMillis();
    }

    /** True the first time only: whoever settles it answers (or drops) it. */
    boolean settle() {
        return settled.compareAndSet(false, true);
    }

    boolean isSettled() {
        return settled.get();
    }
}
