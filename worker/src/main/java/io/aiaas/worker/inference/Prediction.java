package io.aiaas.worker.inference;

import io.aiaas.common.oip.ResponseOutput;
import java.util.List;

/**
 * What one run of a signature returned.
 *
 * @param computeMillis wall time of the run, rounded up to whole milliseconds
 * @param examples the batch dimension of the first input (1 for scalars)
 */
public record Prediction(String signature, List<ResponseOutput> outputs, long computeMillis, long examples) {}
