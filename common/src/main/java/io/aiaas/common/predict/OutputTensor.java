package io.aiaas.common.predict;

import io.aiaas.common.oip.Datatype;
import java.util.Arrays;

/**
 * A tensor a model returned, as it travels back from a worker: its values in a typed flat array in row-major order,
 * with the conventions of {@link io.aiaas.common.oip.InputTensor#values()} ({@code float[]} for FP32, {@code byte[]}
 * for INT8 and UINT8, {@code byte[][]} for BYTES…).
 */
public record OutputTensor(String name, Datatype datatype, long[] shape, Object values) {

    /** The first dimension, 1 for scalars. */
    public long batchSize() {
        return shape.length == 0 ? 1 : shape[0];
    }

    @Override
    public String toString() {
        return "OutputTensor[" + name + ", " + datatype + ", " + Arrays.toString(shape) + "]";
    }
}
