package io.aiaas.common.predict;

import java.util.List;

/**
 * A worker's answer to one {@link PredictRequest} on {@code aiaas.predict-replies.v1}.
 *
 * @param status {@link #OK}, or the HTTP status the gateway answers with: 400 when the model refused the input, 404
 *     when the version is gone, 503 when the worker could not load it, 504 when the deadline passed before it ran
 * @param detail what went wrong, for the caller (never a stack trace); null when {@link #OK}
 * @param outputs the outputs asked for, in the request's order; empty unless {@link #OK}
 * @param device {@code cpu} or {@code gpu}, the device billed
 * @param computeMicros this request's share of the run it was batched into (by rows)
 * @param batchRequests how many requests that run served (1: alone)
 */
public record PredictReply(
        String requestId,
        int status,
        String detail,
        List<OutputTensor> outputs,
        String device,
        long computeMicros,
        int batchRequests,
        String workerId) {

    public static final int OK = 200;

    public PredictReply {
        outputs = outputs == null ? List.of() : List.copyOf(outputs);
    }

    public boolean ok() {
        return status == OK;
    }

    public static PredictReply failure(String requestId, int status, String detail, String device, String workerId) {
        return new PredictReply(requestId, status, detail, List.of(), device, 0, 1, workerId);
    }
}
