package io.aiaas.common.predict;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * Writes the values of an {@link OutputTensor} as JSON, flat (Open Inference Protocol) or nested as its shape says
 * (TF Serving), straight to a {@link JsonGenerator}: responses are on the prediction path, so no tree of nodes per
 * value is built.
 *
 * <p>Floating values that JSON has no number for are written as the strings {@code "NaN"}, {@code "Infinity"} and
 * {@code "-Infinity"}: the spellings {@link io.aiaas.common.oip.InputTensor} reads back. TF Serving writes bare
 * {@code NaN}/{@code Infinity} tokens, which strict JSON parsers reject; strings keep every response parseable.
 */
public final class TensorJson {

    /** How BYTES values are written. */
    public enum Bytes {
        /** As a string, undecodable UTF-8 replaced by U+FFFD: the Open Inference Protocol's JSON has no other way. */
        TEXT,
        /** As a string when the bytes are valid UTF-8, else as TF Serving's {@code {"b64": …}} object. */
        TEXT_OR_B64,
        /** Always as {@code {"b64": …}}: TF Serving's rule for outputs whose name ends in {@code _bytes}. */
        B64
    }

    private final JsonGenerator gen;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);

    /** A writer for one response: it holds a UTF-8 decoder, so it is not shared between threads. */
    public TensorJson(JsonGenerator gen) {
        this.gen = gen;
    }

    /** Elements a shape holds; {@link ArithmeticException} past {@code long}. */
    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /**
     * Checks that a tensor's values fill its shape with the array type of its datatype.
     *
     * @throws IllegalArgumentException when they do not (a worker's bug, not the caller's)
     */
    public static void check(OutputTensor tensor) {
        if (tensor.name() == null || tensor.datatype() == null || tensor.shape() == null || tensor.values() == null) {
            throw new IllegalArgumentException("output tensor " + tensor + " lacks a name, datatype, shape or values");
        }
        Class<?> expected =
                switch (tensor.datatype()) {
                    case BOOL -> boolean[].class;
                    case INT8, UINT8 -> byte[].class;
                    case INT16 -> short[].class;
                    case INT32 -> int[].class;
                    case INT64 -> long[].class;
                    case FP32 -> float[].class;
                    case FP64 -> double[].class;
                    case BYTES -> byte[][].class;
                };
        if (tensor.values().getClass() != expected) {
            throw new IllegalArgumentException("output '" + tensor.name() + "' of " + tensor.datatype() + " holds "
                    + tensor.values().getClass().getSimpleName());
        }
        for (long d : tensor.shape()) {
            if (d < 0) {
                throw new IllegalArgumentException(
                        "output '" + tensor.name() + "' has a negative dimension " + Arrays.toString(tensor.shape()));
            }
        }
        long count;
        try {
            count = elementCount(tensor.shape());
        } catch (ArithmeticException e) {
            count = -1;
        }
        if (count != Array.getLength(tensor.values())) {
            throw new IllegalArgumentException("output '" + tensor.name() + "' has " + Array.getLength(tensor.values())
                    + " values for shape " + Arrays.toString(tensor.shape()));
        }
    }

    /** The values as one flat array in row-major order. */
    public void writeFlat(OutputTensor tensor, Bytes bytes) throws IOException {
        int n = Array.getLength(tensor.values());
        gen.writeStartArray(tensor.values(), n);
        writeRange(tensor, 0, n, bytes);
        gen.writeEndArray();
    }

    /** The whole tensor nested as its shape says; a rank-0 tensor is its one value. */
    public void writeNested(OutputTensor tensor, Bytes bytes) throws IOException {
        writeNested(tensor, 0, 0, bytes);
    }

    /**
     * Row {@code row} of a tensor of rank ≥ 1 (its first dimension indexes rows), nested as the remaining dimensions
     * say; a tensor of rank 1 has a value per row.
     */
    public void writeRow(OutputTensor tensor, long row, Bytes bytes) throws IOException {
        long[] shape = tensor.shape();
        long rowSize = 1;
        for (int d = 1; d < shape.length; d++) {
            rowSize *= shape[d];
        }
        writeNested(tensor, 1, Math.toIntExact(row * rowSize), bytes);
    }

    /** The sub-tensor starting at flat index {@code offset} whose dimensions are {@code shape[dim…]}. */
    private void writeNested(OutputTensor tensor, int dim, int offset, Bytes bytes) throws IOException {
        long[] shape = tensor.shape();
        if (dim == shape.length) {
            writeValue(tensor, offset, bytes);
            return;
        }
        int size = (int) shape[dim];
        gen.writeStartArray(null, size);
        if (dim == shape.length - 1) {
            writeRange(tensor, offset, size, bytes);
        } else {
            int stride = 1;
            for (int d = dim + 1; d < shape.length; d++) {
                stride *= (int) shape[d];
            }
            for (int i = 0; i < size; i++) {
                writeNested(tensor, dim + 1, offset + i * stride, bytes);
            }
        }
        gen.writeEndArray();
    }

    /** {@code count} consecutive values from {@code from}, each as a JSON value, with the loop per datatype. */
    private void writeRange(OutputTensor tensor, int from, int count, Bytes bytes) throws IOException {
        int to = from + count;
        switch (tensor.datatype()) {
            case BOOL -> {
                boolean[] a = (boolean[]) tensor.values();
                for (int i = from; i < to; i++) {
                    gen.writeBoolean(a[i]);
                }
            }
            case INT8 -> {
                byte[] a = (byte[]) tensor.values();
                for (int i = from; i < to; i++) {
                    gen.writeNumber(a[i]);
                }
            }
            case UINT8 -> {
                byte[] a = (byte[]) tensor.values();
                for (int i = from; i < to; i++) {
                    gen.writeNumber(a[i] & 0xff);
                }
            }
            case INT16 -> {
                short[] a = (short[]) tensor.values();
                for (int i = from; i < to; i++) {
                    gen.writeNumber(a[i]);
                }
            }
            case INT32 -> {
                int[] a = (int[]) tensor.values();
                for (int i = from; i < to; i++) {
                    gen.writeNumber(a[i]);
                }
            }
            case INT64 -> {
                long[] a = (long[]) tensor.values();
                for (int i = from; i < to; i++) {
                    gen.writeNumber(a[i]);
                }
            }
            case FP32 -> {
                float[] a = (float[]) tensor.values();
                for (int i = from; i < to; i++) {
                    writeFloat(a[i]);
                }
            }
            case FP64 -> {
                double[] a = (double[]) tensor.values();
                for (int i = from; i < to; i++) {
                    writeDouble(a[i]);
                }
            }
            case BYTES -> {
                byte[][] a = (byte[][]) tensor.values();
                for (int i = from; i < to; i++) {
                    writeBytes(a[i], bytes);
                }
            }
        }
    }

    private void writeValue(OutputTensor tensor, int i, Bytes bytes) throws IOException {
        writeRange(tensor, i, 1, bytes);
    }

    private void writeFloat(float f) throws IOException {
        if (Float.isFinite(f)) {
            gen.writeNumber(f);
        } else {
            gen.writeString(nonFinite(f));
        }
    }

    private void writeDouble(double d) throws IOException {
        if (Double.isFinite(d)) {
            gen.writeNumber(d);
        } else {
            gen.writeString(nonFinite(d));
        }
    }

    /** The string a non-finite value is written as. */
    public static String nonFinite(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        return d > 0 ? "Infinity" : "-Infinity";
    }

    private void writeBytes(byte[] value, Bytes style) throws IOException {
        byte[] b = value == null ? new byte[0] : value;
        switch (style) {
            case TEXT -> gen.writeString(new String(b, StandardCharsets.UTF_8));
            case B64 -> writeB64(b);
            case TEXT_OR_B64 -> {
                String text = strictUtf8(b);
                if (text == null) {
                    writeB64(b);
                } else {
                    gen.writeString(text);
                }
            }
        }
    }

    private void writeB64(byte[] b) throws IOException {
        gen.writeStartObject();
        gen.writeStringField("b64", Base64.getEncoder().encodeToString(b));
        gen.writeEndObject();
    }

    /** The text the bytes encode, or null when they are not valid UTF-8. */
    private String strictUtf8(byte[] b) {
        try {
            CharBuffer chars = utf8.reset().decode(ByteBuffer.wrap(b));
            return chars.toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
