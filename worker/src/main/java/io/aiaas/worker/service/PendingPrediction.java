package io.aiaas.worker.service;

import io.aiaas.common.predict.PredictRequest;

/**
 * An online prediction taken in and not yet answered.
 *
 * @param requestIdHeader the record's {@code x-request-id}, copied onto the reply (null when absent)
 * @param traceparent the record's {@code traceparent}, copied onto the reply (null when absent)
 * @param receivedNanos {@link System#nanoTime()} when the poll returned it: the start of the worker's latency
 */
public record PendingPrediction(
        PredictRequest request, String requestIdHeader, String traceparent, long receivedNanos) {

    public boolean expired(long nowMillis) {
        return nowMillis >= request.deadlineEpochMillis();
    }
}
