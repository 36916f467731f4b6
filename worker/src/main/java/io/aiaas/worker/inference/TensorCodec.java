package io.aiaas.worker.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.aiaas.common.oip.Datatype;
import io.aiaas.common.oip.RequestInput;
import io.aiaas.common.oip.ResponseOutput;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.BooleanDataBuffer;
import org.tensorflow.ndarray.buffer.ByteDataBuffer;
import org.tensorflow.ndarray.buffer.DataBuffer;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.ndarray.buffer.DoubleDataBuffer;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.ndarray.buffer.IntDataBuffer;
import org.tensorflow.ndarray.buffer.LongDataBuffer;
import org.tensorflow.ndarray.buffer.ShortDataBuffer;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint16;
import org.tensorflow.types.TUint8;

/**
 * Converts Open Inference Protocol tensors to TensorFlow tensors and back. Input data may be flat or nested; it is
 * read in row-major order and must hold exactly as many elements as the shape says. Outputs are written flat.
 */
public final class TensorCodec {
    /** Upper bound of elements in one tensor: Java arrays are int-indexed. */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private TensorCodec() {}

    /** Reads and checks one request input. */
    public static HostTensor decode(RequestInput input) {
        if (input == null || input.name() == null || input.name().isBlank()) {
            throw new InvalidInputException("Every input needs a name.");
        }
        String name = input.name();
        Datatype datatype = Datatype.parse(input.datatype())
                .orElseThrow(() -> new InvalidInputException(
                        "Input '" + name + "' has an unsupported datatype '" + input.datatype() + "'."));
        long[] shape = shapeOf(name, input.shape());
        long count;
        try {
            count = HostTensor.elementCount(shape);
        } catch (ArithmeticException e) {
            count = Long.MAX_VALUE;
        }
        if (count > MAX_ELEMENTS) {
            throw new InvalidInputException("Input '" + name + "' is too large.");
        }
        if (input.data() == null || input.data().isNull()) {
            throw new InvalidInputException("Input '" + name + "' has no data.");
        }
        List<JsonNode> flat = new ArrayList<>((int) Math.min(count, 1 << 16));
        long found = flatten(input.data(), flat, count);
        if (found != count) {
            throw new InvalidInputException("Input '" + name + "' has " + found + " values but its shape "
                    + input.shape() + " needs " + count + ".");
        }
        return new HostTensor(name, datatype, shape, values(name, datatype, flat));
    }

    /** A TensorFlow tensor holding {@code host}; the caller closes it. */
    public static Tensor toTensor(HostTensor host) {
        Shape shape = Shape.of(host.shape());
        return switch (host.datatype()) {
            case BOOL -> TBool.tensorOf(shape, DataBuffers.of((boolean[]) host.values(), true, false));
            case UINT8 -> TUint8.tensorOf(shape, DataBuffers.of((byte[]) host.values(), true, false));
            case INT32 -> TInt32.tensorOf(shape, DataBuffers.of((int[]) host.values(), true, false));
            case INT64 -> TInt64.tensorOf(shape, DataBuffers.of((long[]) host.values(), true, false));
            case FP32 -> TFloat32.tensorOf(shape, DataBuffers.of((float[]) host.values(), true, false));
            case FP64 -> TFloat64.tensorOf(shape, DataBuffers.of((double[]) host.values(), true, false));
            case BYTES -> TString.tensorOfBytes(shape, DataBuffers.of((byte[][]) host.values(), true, false));
                // TensorFlow Java 1.1.0 has no tensor classes for 8- and 16-bit signed integers.
            case INT8, INT16 -> throw new InvalidInputException("Input '" + host.name() + "' is " + host.datatype()
                    + ", which this worker's TensorFlow runtime cannot feed to a model.");
        };
    }

    /** An output tensor as the Open Inference Protocol returns it: shape, datatype and flat row-major data. */
    public static ResponseOutput toOutput(String name, Tensor tensor) {
        long[] dims = tensor.shape().asArray();
        long count = HostTensor.elementCount(dims);
        if (count > MAX_ELEMENTS) {
            throw new IllegalStateException("output " + name + " is too large");
        }
        int n = (int) count;
        ArrayNode data = NODES.arrayNode(n);
        Datatype datatype;
        if (tensor instanceof TFloat32 t) {
            datatype = Datatype.FP32;
            floats(t, n, data);
        } else if (tensor instanceof TFloat16 t) {
            datatype = Datatype.FP32; // widened: the platform serves no FP16
            floats(t, n, data);
        } else if (tensor instanceof TBfloat16 t) {
            datatype = Datatype.FP32;
            floats(t, n, data);
        } else if (tensor instanceof TFloat64 t) {
            datatype = Datatype.FP64;
            DoubleDataBuffer buf = DataBuffers.ofDoubles(n);
            t.copyTo(buf);
            for (int i = 0; i < n; i++) {
                data.add(buf.getDouble(i));
            }
        } else if (tensor instanceof TInt32 t) {
            datatype = Datatype.INT32;
            IntDataBuffer buf = DataBuffers.ofInts(n);
            t.copyTo(buf);
            for (int i = 0; i < n; i++) {
                data.add(buf.getInt(i));
            }
        } else if (tensor instanceof TInt64 t) {
            datatype = Datatype.INT64;
            LongDataBuffer buf = DataBuffers.ofLongs(n);
            t.copyTo(buf);
            for (int i = 0; i < n; i++) {
                data.add(buf.getLong(i));
            }
        } else if (tensor instanceof TUint8 t) {
            datatype = Datatype.UINT8;
            ByteDataBuffer buf = DataBuffers.ofBytes(n);
            t.copyTo(buf);
            for (int i = 0; i < n; i++) {
                data.add(buf.getByte(i) & 0xff);
            }
        } else if (tensor instanceof TUint16 t) {
            datatype = Datatype.INT32; // widened: the platform serves no UINT16
            ShortDataBuffer buf = DataBuffers.ofShorts(n);
            t.copyTo(buf);
            for (int i = 0; i < n; i++) {
                data.add(buf.getShort(i) & 0xffff);
            }
        } else if (tensor instanceof TBool t) {
            datatype = Datatype.BOOL;
            BooleanDataBuffer buf = DataBuffers.ofBooleans(n);
            t.copyTo(buf);
            for (int i = 0; i < n; i++) {
                data.add(buf.getBoolean(i));
            }
        } else if (tensor instanceof TString t) {
            datatype = Datatype.BYTES;
            DataBuffer<byte[]> buf = DataBuffers.ofObjects(byte[].class, n);
            t.asBytes().copyTo(buf);
            for (int i = 0; i < n; i++) {
                data.add(new String(buf.getObject(i), StandardCharsets.UTF_8));
            }
        } else {
            throw new IllegalStateException("output " + name + " has an unsupported type " + tensor.dataType());
        }
        List<Long> shape = new ArrayList<>(dims.length);
        for (long d : dims) {
            shape.add(d);
        }
        return new ResponseOutput(name, shape, datatype.name(), null, data);
    }

    private static void floats(org.tensorflow.ndarray.FloatNdArray t, int n, ArrayNode data) {
        FloatDataBuffer buf = DataBuffers.ofFloats(n);
        t.copyTo(buf);
        for (int i = 0; i < n; i++) {
            data.add(buf.getFloat(i));
        }
    }

    private static long[] shapeOf(String name, List<Long> shape) {
        if (shape == null) {
            throw new InvalidInputException("Input '" + name + "' has no shape.");
        }
        long[] dims = new long[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            Long d = shape.get(i);
            if (d == null || d < 0) {
                throw new InvalidInputException("Input '" + name + "' has an invalid shape " + shape + ".");
            }
            dims[i] = d;
        }
        return dims;
    }

    /** Collects up to {@code limit} leaves in row-major order and returns how many there are in all. */
    private static long flatten(JsonNode node, List<JsonNode> out, long limit) {
        if (node.isArray()) {
            long total = 0;
            for (JsonNode child : node) {
                total += flatten(child, out, limit);
            }
            return total;
        }
        if (out.size() < limit) {
            out.add(node);
        }
        return 1;
    }

    private static Object values(String name, Datatype datatype, List<JsonNode> flat) {
        int n = flat.size();
        switch (datatype) {
            case BOOL -> {
                boolean[] v = new boolean[n];
                for (int i = 0; i < n; i++) {
                    JsonNode node = flat.get(i);
                    if (!node.isBoolean()) {
                        throw badValue(name, datatype, node);
                    }
                    v[i] = node.booleanValue();
                }
                return v;
            }
            case INT8 -> {
                byte[] v = new byte[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (byte) integral(name, datatype, flat.get(i), Byte.MIN_VALUE, Byte.MAX_VALUE);
                }
                return v;
            }
            case UINT8 -> {
                byte[] v = new byte[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (byte) integral(name, datatype, flat.get(i), 0, 255);
                }
                return v;
            }
            case INT16 -> {
                short[] v = new short[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (short) integral(name, datatype, flat.get(i), Short.MIN_VALUE, Short.MAX_VALUE);
                }
                return v;
            }
            case INT32 -> {
                int[] v = new int[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (int) integral(name, datatype, flat.get(i), Integer.MIN_VALUE, Integer.MAX_VALUE);
                }
                return v;
            }
            case INT64 -> {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) {
                    v[i] = integral(name, datatype, flat.get(i), Long.MIN_VALUE, Long.MAX_VALUE);
                }
                return v;
            }
            case FP32 -> {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (float) floating(name, datatype, flat.get(i));
                }
                return v;
            }
            case FP64 -> {
                double[] v = new double[n];
                for (int i = 0; i < n; i++) {
                    v[i] = floating(name, datatype, flat.get(i));
                }
                return v;
            }
            case BYTES -> {
                byte[][] v = new byte[n][];
                for (int i = 0; i < n; i++) {
                    JsonNode node = flat.get(i);
                    if (!node.isTextual()) {
                        throw badValue(name, datatype, node);
                    }
                    v[i] = node.textValue().getBytes(StandardCharsets.UTF_8);
                }
                return v;
            }
            default -> throw new IllegalStateException("unhandled datatype " + datatype);
        }
    }

    private static long integral(String name, Datatype datatype, JsonNode node, long min, long max) {
        if (!node.isNumber()) {
            throw badValue(name, datatype, node);
        }
        BigDecimal value = node.decimalValue();
        try {
            long v = value.longValueExact();
            if (v < min || v > max) {
                throw badValue(name, datatype, node);
            }
            return v;
        } catch (ArithmeticException e) {
            throw badValue(name, datatype, node);
        }
    }

    private static double floating(String name, Datatype datatype, JsonNode node) {
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node.isTextual()) {
            switch (node.textValue()) {
                case "NaN":
                    return Double.NaN;
                case "Infinity", "inf":
                    return Double.POSITIVE_INFINITY;
                case "-Infinity", "-inf":
                    return Double.NEGATIVE_INFINITY;
                default:
                    break;
            }
        }
        throw badValue(name, datatype, node);
    }

    private static InvalidInputException badValue(String name, Datatype datatype, JsonNode node) {
        String shown = node.toString();
        if (shown.length() > 40) {
            shown = shown.substring(0, 40) + "…";
        }
        return new InvalidInputException(
                "Input '" + name + "' holds " + shown + ", which is not a " + datatype + " value.");
    }
}
