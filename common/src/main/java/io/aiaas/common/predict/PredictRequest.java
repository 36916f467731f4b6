package io.aiaas.common.predict;

import io.aiaas.common.oip.InputTensor;
import java.util.List;

/**
 * An online prediction on its way from a gateway to a worker ({@code aiaas.predict-requests.v1}), already checked
 * against the signature by the gateway: the worker only feeds it to TensorFlow.
 *
 * @param requestId the gateway's {@code req_…} id: the correlation id of the reply and the usage event's identity
 * @param version the resolved version (never an alias)
 * @param signature the resolved signature name
 * @param deadlineEpochMillis when the gateway stops waiting; a worker skips a request past it
 * @param replyPartition the partition of {@code aiaas.predict-replies.v1} its gateway replica reads
 * @param outputs the outputs asked for, in order; empty for every output of the signature
 * @param inFlight how many predictions for this model version the sending gateway had outstanding when it sent this
 *     one, this one included: a hint that more are on their way, so a worker may wait a moment to batch them (1: run
 *     at once)
 */
public record PredictRequest(
        String requestId,
        String tenantId,
        String modelId,
        int version,
        String signature,
        long deadlineEpochMillis,
        int replyPartition,
        List<InputTensor> inputs,
        List<String> outputs,
        int inFlight) {

    public PredictRequest {
        inputs = List.copyOf(inputs);
        outputs = outputs == null ? List.of() : List.copyOf(outputs);
        inFlight = Math.max(1, inFlight);
    }

    /** A request that announces no others in flight. */
    public PredictRequest(
            String requestId,
            String tenantId,
            String modelId,
            int version,
            String signature,
            long deadlineEpochMillis,
            int replyPartition,
            List<InputTensor> inputs,
            List<String> outputs) {
        this(requestId, tenantId, modelId, version, signature, deadlineEpochMillis, replyPartition, inputs, outputs, 1);
    }

    public PredictRequest withInFlight(int inFlight) {
        return new PredictRequest(
                requestId,
                tenantId,
                modelId,
                version,
                signature,
                deadlineEpochMillis,
                replyPartition,
                inputs,
                outputs,
                inFlight);
    }

    /** The record key: requests for one model version land on one partition (cache locality, batching). */
    public String partitionKey() {
        return partitionKey(modelId, version);
    }

    public static String partitionKey(String modelId, int version) {
        return modelId + "/" + version;
    }
}
