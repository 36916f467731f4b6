package io.aiaas.common.oip;

import java.util.List;

/**
 * An input or output of a SavedModel signature, as model-service stores it and the worker reads it from the loaded
 * model.
 *
 * @param datatype the Open Inference Protocol datatype; null when TensorFlow's type has none (DT_HALF, DT_RESOURCE…):
 *     the signature is still listed, but an input of that type cannot be fed
 * @param shape dimensions, -1 where any size goes; null when even the rank is unknown (any shape goes)
 */
public record TensorSpec(String name, Datatype datatype, List<Long> shape) {

    public TensorSpec {
        shape = shape == null ? null : List.copyOf(shape);
    }

    /** Whether a tensor of {@code dims} fits: same rank and equal fixed dimensions, or an unknown rank. */
    public boolean accepts(long[] dims) {
        if (shape == null) {
            return true;
        }
        if (shape.size() != dims.length) {
            return false;
        }
        for (int i = 0; i < dims.length; i++) {
            long expected = shape.get(i);
            if (expected >= 0 && expected != dims[i]) {
                return false;
            }
        }
        return true;
    }
}
