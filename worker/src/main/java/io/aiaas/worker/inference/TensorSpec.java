package io.aiaas.worker.inference;

import io.aiaas.common.oip.Datatype;
import java.util.Optional;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

/**
 * One input or output of a signature, read from the SavedModel's proto. TensorFlow Java's own {@code Shape} shows an
 * unknown rank as a scalar, so the rank is taken from {@code unknown_rank} here.
 *
 * @param tensorflowType TensorFlow's name of the dtype ({@code DT_FLOAT})
 * @param dims the dimensions, -1 where unknown; null when even the rank is unknown
 */
public record TensorSpec(String name, String tensorflowType, long[] dims) {

    static TensorSpec of(String name, TensorInfo info) {
        TensorShapeProto shape = info.getTensorShape();
        long[] dims = null;
        if (info.hasTensorShape() && !shape.getUnknownRank()) {
            dims = shape.getDimList().stream()
                    .mapToLong(TensorShapeProto.Dim::getSize)
                    .toArray();
        }
        return new TensorSpec(name, info.getDtype().name(), dims);
    }

    public Optional<Datatype> datatype() {
        return Datatype.fromTensorflow(tensorflowType);
    }

    /** Whether a tensor of {@code shape} fits: same rank and equal known dimensions (or an unknown rank). */
    public boolean accepts(long[] shape) {
        if (dims == null) {
            return true;
        }
        if (dims.length != shape.length) {
            return false;
        }
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] >= 0 && dims[i] != shape[i]) {
                return false;
            }
        }
        return true;
    }

    /** The shape as the Open Inference Protocol writes it; -1 for each unknown dimension, null for an unknown rank. */
    public String describe() {
        if (dims == null) {
            return "of any shape";
        }
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(dims[i]);
        }
        return sb.append(']').toString();
    }
}
