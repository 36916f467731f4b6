package io.aiaas.worker.inference;

import io.aiaas.common.oip.Datatype;
import java.util.Arrays;

/**
 * A tensor decoded from the Open Inference Protocol and held in Java memory, flat and row-major, before it becomes a
 * TensorFlow tensor.
 *
 * @param values {@code boolean[]} (BOOL), {@code byte[]} (INT8, and UINT8 as unsigned bytes), {@code short[]} (INT16),
 *     {@code int[]} (INT32), {@code long[]} (INT64), {@code float[]} (FP32), {@code double[]} (FP64), {@code byte[][]}
 *     (BYTES)
 */
public record HostTensor(String name, Datatype datatype, long[] shape, Object values) {

    public long size() {
        return elementCount(shape);
    }

    /** The batch dimension: the first dimension, 1 for scalars. */
    public long batchSize() {
        return shape.length == 0 ? 1 : shape[0];
    }

    static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public String toString() {
        return "HostTensor[" + name + ", " + datatype + ", " + Arrays.toString(shape) + "]";
    }
}
