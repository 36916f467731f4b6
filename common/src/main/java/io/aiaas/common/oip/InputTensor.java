package io.aiaas.common.oip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * An Open Inference Protocol input tensor decoded from its JSON {@code data} (nested as the shape says, or flat in
 * row-major order) into a typed flat array, every value checked against its datatype's range. This is the one decoding
 * of input tensors: model-service checks jobs with it at submission, and the worker feeds what it produces to
 * TensorFlow.
 *
 * @param values {@code boolean[]} (BOOL), {@code byte[]} (INT8, and UINT8 as unsigned bytes), {@code short[]} (INT16),
 *     {@code int[]} (INT32), {@code long[]} (INT64), {@code float[]} (FP32), {@code double[]} (FP64), {@code byte[][]}
 *     (BYTES: a JSON string's UTF-8 bytes, or any bytes where {@code data} holds a Jackson {@code BinaryNode}, as
 *     TF Serving's {@code {"b64": …}} values decode to)
 */
public record InputTensor(String name, Datatype datatype, long[] shape, Object values) {

    /** Upper bound of elements in one tensor: Java arrays are int-indexed. */
    public static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private static final BigDecimal MAX_FLOAT = new BigDecimal(Float.MAX_VALUE);

    /** Elements in all. */
    public long size() {
        return elementCount(shape);
    }

    /** The batch dimension: the first dimension, 1 for scalars. */
    public long batchSize() {
        return shape.length == 0 ? 1 : shape[0];
    }

    /** Decodes an input on its own: members present, a known datatype, data that fills the shape, values in range. */
    public static InputTensor decode(RequestInput input) {
        return decode(input, null);
    }

    /**
     * Decodes an input for a signature's tensor: as {@link #decode(RequestInput)}, and the tensor's datatype, rank
     * and fixed dimensions.
     *
     * @throws InvalidInputException unreadable when a member is missing, a mismatch for anything that does not fit
     */
    public static InputTensor decode(RequestInput input, TensorSpec spec) {
        if (input == null || input.name() == null || input.name().isBlank()) {
            throw InvalidInputException.unreadable("Every input needs a 'name'.");
        }
        String name = input.name();
        if (input.datatype() == null
                || input.shape() == null
                || input.data() == null
                || input.data().isNull()) {
            throw InvalidInputException.unreadable("Input '" + name + "' needs 'shape', 'datatype' and 'data'.");
        }
        Datatype datatype = Datatype.parse(input.datatype())
                .orElseThrow(() -> InvalidInputException.mismatch(
                        "Input '" + name + "' has an unknown datatype '" + abbreviate(input.datatype()) + "'."));
        long[] shape = dims(name, input.shape());
        if (spec != null) {
            if (spec.datatype() == null) {
                throw InvalidInputException.mismatch("Input '" + name
                        + "' has a TensorFlow type the platform cannot feed; the model cannot be served.");
            }
            if (datatype != spec.datatype()) {
                throw InvalidInputException.mismatch(
                        "Input '" + name + "' must be " + spec.datatype() + ", not " + datatype + ".");
            }
            if (!spec.accepts(shape)) {
                throw InvalidInputException.mismatch("Input '" + name + "' has shape " + Arrays.toString(shape)
                        + " but the signature expects " + describe(spec.shape()) + ".");
            }
        }
        long count;
        try {
            count = elementCount(shape);
        } catch (ArithmeticException e) {
            count = Long.MAX_VALUE;
        }
        if (count > MAX_ELEMENTS) {
            throw InvalidInputException.mismatch("Input '" + name + "' is too large.");
        }
        JsonNode data = input.data();
        long found = leaves(data);
        if (found != count) {
            throw InvalidInputException.mismatch("Input '" + name + "' has " + found + " values but its shape "
                    + Arrays.toString(shape) + " needs " + count + ".");
        }
        if (nested(data) && !follows(data, shape, 0)) {
            throw InvalidInputException.mismatch("Input '" + name + "' has nested data that does not follow its shape "
                    + Arrays.toString(shape) + "; nest it as the shape says, or give it flat.");
        }
        Values values = Values.of(name, datatype, (int) count);
        fill(data, values);
        return new InputTensor(name, datatype, shape, values.array);
    }

    static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    private static long[] dims(String name, List<Long> shape) {
        long[] dims = new long[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            Long d = shape.get(i);
            if (d == null || d < 0) {
                throw InvalidInputException.mismatch(
                        "Input '" + name + "' has a negative or missing dimension in its shape " + shape + ".");
            }
            dims[i] = d;
        }
        return dims;
    }

    private static String describe(List<Long> shape) {
        return shape == null ? "any shape" : shape.toString();
    }

    /** How many scalars the data holds, at any depth. */
    private static long leaves(JsonNode node) {
        if (!node.isArray()) {
            return 1;
        }
        long n = 0;
        for (JsonNode child : node) {
            n += leaves(child);
        }
        return n;
    }

    /** Whether any element of the data is itself an array: then it must be nested exactly as the shape says. */
    private static boolean nested(JsonNode data) {
        if (!data.isArray()) {
            return false;
        }
        for (JsonNode child : data) {
            if (child.isArray()) {
                return true;
            }
        }
        return false;
    }

    private static boolean follows(JsonNode node, long[] shape, int dim) {
        if (dim == shape.length) {
            return !node.isArray();
        }
        if (!node.isArray() || node.size() != shape[dim]) {
            return false;
        }
        for (JsonNode child : node) {
            if (!follows(child, shape, dim + 1)) {
                return false;
            }
        }
        return true;
    }

    /** Writes the scalars in row-major order. */
    private static void fill(JsonNode node, Values values) {
        if (node.isArray()) {
            for (JsonNode child : node) {
                fill(child, values);
            }
        } else {
            values.add(node);
        }
    }

    /** The typed array being filled, and the range checks of its datatype. */
    private static final class Values {
        private final String name;
        private final Datatype datatype;
        private final Object array;
        private int next;

        private Values(String name, Datatype datatype, Object array) {
            this.name = name;
            this.datatype = datatype;
            this.array = array;
        }

        static Values of(String name, Datatype datatype, int n) {
            Object array =
                    switch (datatype) {
                        case BOOL -> new boolean[n];
                        case INT8, UINT8 -> new byte[n];
                        case INT16 -> new short[n];
                        case INT32 -> new int[n];
                        case INT64 -> new long[n];
                        case FP32 -> new float[n];
                        case FP64 -> new double[n];
                        case BYTES -> new byte[n][];
                    };
            return new Values(name, datatype, array);
        }

        void add(JsonNode node) {
            int i = next++;
            switch (datatype) {
                case BOOL -> {
                    if (!node.isBoolean()) {
                        throw notA(node);
                    }
                    ((boolean[]) array)[i] = node.booleanValue();
                }
                case INT8 -> ((byte[]) array)[i] = (byte) integral(node, Byte.MIN_VALUE, Byte.MAX_VALUE);
                case UINT8 -> ((byte[]) array)[i] = (byte) integral(node, 0, 255);
                case INT16 -> ((short[]) array)[i] = (short) integral(node, Short.MIN_VALUE, Short.MAX_VALUE);
                case INT32 -> ((int[]) array)[i] = (int) integral(node, Integer.MIN_VALUE, Integer.MAX_VALUE);
                case INT64 -> ((long[]) array)[i] = integral(node, Long.MIN_VALUE, Long.MAX_VALUE);
                case FP32 -> ((float[]) array)[i] = (float) floating(node, true);
                case FP64 -> ((double[]) array)[i] = floating(node, false);
                case BYTES -> {
                    if (node.isTextual()) {
                        ((byte[][]) array)[i] = node.textValue().getBytes(StandardCharsets.UTF_8);
                    } else if (node.isBinary()) {
                        // Only built in code (TF Serving's {"b64": …} values): parsed JSON text never yields one.
                        ((byte[][]) array)[i] = ((BinaryNode) node).binaryValue();
                    } else {
                        throw notA(node);
                    }
                }
            }
        }

        /** A whole number within {@code [min, max]}: {@code 2} and {@code 2.0} are, {@code 2.5} and {@code 1e400} not. */
        private long integral(JsonNode node, long min, long max) {
            if (!node.isNumber()) {
                throw notA(node);
            }
            BigInteger value;
            if (node.isIntegralNumber()) {
                value = node.bigIntegerValue();
            } else {
                BigDecimal decimal = exactDecimal(node);
                if (decimal == null) {
                    throw outOfRange(node);
                }
                try {
                    value = decimal.toBigIntegerExact();
                } catch (ArithmeticException fraction) {
                    throw notA(node);
                }
            }
            if (value.compareTo(BigInteger.valueOf(min)) < 0 || value.compareTo(BigInteger.valueOf(max)) > 0) {
                throw outOfRange(node);
            }
            return value.longValue();
        }

        /**
         * A number the datatype can hold: a literal past FP64's range reads as infinity and one past FP32's range has
         * no float, so both are refused rather than fed as infinity. The strings {@code NaN}, {@code Infinity} and
         * {@code -Infinity} say those values on purpose (JSON has no literal for them).
         */
        private double floating(JsonNode node, boolean fp32) {
            if (node.isTextual()) {
                switch (node.textValue()) {
                    case "NaN":
                        return Double.NaN;
                    case "Infinity", "inf":
                        return Double.POSITIVE_INFINITY;
                    case "-Infinity", "-inf":
                        return Double.NEGATIVE_INFINITY;
                    default:
                        throw notA(node);
                }
            }
            if (!node.isNumber()) {
                throw notA(node);
            }
            double value = node.doubleValue();
            if (Double.isInfinite(value) || Double.isNaN(value)) {
                throw outOfRange(node);
            }
            if (fp32) {
                if (node.isBigDecimal() || node.isBigInteger()) {
                    if (node.decimalValue().abs().compareTo(MAX_FLOAT) > 0) {
                        throw outOfRange(node);
                    }
                } else if (Math.abs(value) > Float.MAX_VALUE) {
                    throw outOfRange(node);
                }
            }
            return value;
        }

        /** The exact value of a floating node, or null when it is not finite. */
        private static BigDecimal exactDecimal(JsonNode node) {
            if (node.isBigDecimal()) {
                return node.decimalValue();
            }
            double d = node.doubleValue();
            return Double.isFinite(d) ? new BigDecimal(d) : null;
        }

        private InvalidInputException notA(JsonNode node) {
            return InvalidInputException.mismatch("Input '" + name + "' holds " + abbreviate(node.toString())
                    + ", which is not a " + datatype + " value.");
        }

        private InvalidInputException outOfRange(JsonNode node) {
            return InvalidInputException.mismatch("Input '" + name + "' holds a number outside the range of " + datatype
                    + " (" + abbreviate(node.toString()) + ").");
        }
    }

    private static String abbreviate(String s) {
        String cleaned = s.replaceAll("[^\\x20-\\x7e]", "?");
        return cleaned.length() > 40 ? cleaned.substring(0, 40) + "…" : cleaned;
    }

    @Override
    public String toString() {
        return "InputTensor[" + name + ", " + datatype + ", " + Arrays.toString(shape) + "]";
    }
}
