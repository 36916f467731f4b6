package io.aiaas.worker.inference;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.aiaas.common.oip.Datatype;
import io.aiaas.common.oip.InputTensor;
import io.aiaas.common.oip.ResponseOutput;
import io.aiaas.common.predict.OutputTensor;
import io.aiaas.worker.inference.NarrowIntegerTensors.TInt16;
import io.aiaas.worker.inference.NarrowIntegerTensors.TInt8;
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
 * Converts decoded input tensors (common's {@link InputTensor}, checked and typed already) to TensorFlow tensors, and
 * TensorFlow's outputs to Open Inference Protocol tensors, written flat in row-major order.
 */
public final class TensorCodec {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private TensorCodec() {}

    /** A TensorFlow tensor holding {@code host}; the caller closes it. */
    public static Tensor toTensor(InputTensor host) {
        Shape shape = Shape.of(host.shape());
        return switch (host.datatype()) {
            case BOOL -> TBool.tensorOf(shape, DataBuffers.of((boolean[]) host.values(), true, false));
            case UINT8 -> TUint8.tensorOf(shape, DataBuffers.of((byte[]) host.values(), true, false));
            case INT32 -> TInt32.tensorOf(shape, DataBuffers.of((int[]) host.values(), true, false));
            case INT64 -> TInt64.tensorOf(shape, DataBuffers.of((long[]) host.values(), true, false));
            case FP32 -> TFloat32.tensorOf(shape, DataBuffers.of((float[]) host.values(), true, false));
            case FP64 -> TFloat64.tensorOf(shape, DataBuffers.of((double[]) host.values(), true, false));
            case BYTES -> TString.tensorOfBytes(shape, DataBuffers.of((byte[][]) host.values(), true, false));
                // TensorFlow Java 1.1.0 has no classes for these: see NarrowIntegerTensors.
            case INT8 -> NarrowIntegerTensors.int8(host.shape(), (byte[]) host.values());
            case INT16 -> NarrowIntegerTensors.int16(host.shape(), (short[]) host.values());
        };
    }

    /** An output tensor as the Open Inference Protocol returns it: shape, datatype and flat row-major data. */
    public static ResponseOutput toOutput(String name, Tensor tensor) {
        long[] dims = tensor.shape().asArray();
        long count = 1;
        for (long d : dims) {
            count = Math.multiplyExact(count, d);
        }
        if (count > InputTensor.MAX_ELEMENTS) {
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
        } else if (tensor instanceof TInt8 t) {
            datatype = Datatype.INT8;
            for (byte b : NarrowIntegerTensors.int8Values(t)) {
                data.add(b);
            }
        } else if (tensor instanceof TInt16 t) {
            datatype = Datatype.INT16;
            for (short s : NarrowIntegerTensors.int16Values(t)) {
                data.add(s);
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

    /**
     * An output tensor as it travels back to the gateway ({@link OutputTensor}): its values in a typed flat array in
     * row-major order, with the datatypes of {@link #toOutput} (FP16 and BF16 widened to FP32, UINT16 to INT32).
     *
     * @throws IllegalStateException for a type the platform cannot return
     */
    public static OutputTensor toOutputTensor(String name, Tensor tensor) {
        long[] dims = tensor.shape().asArray();
        long count = 1;
        for (long d : dims) {
            count = Math.multiplyExact(count, d);
        }
        if (count > InputTensor.MAX_ELEMENTS) {
            throw new IllegalStateException("output " + name + " is too large");
        }
        int n = (int) count;
        if (tensor instanceof TFloat32 t) {
            float[] values = new float[n];
            t.copyTo(DataBuffers.of(values, false, false));
            return new OutputTensor(name, Datatype.FP32, dims, values);
        } else if (tensor instanceof TFloat16 t) {
            return new OutputTensor(name, Datatype.FP32, dims, floatArray(t, n));
        } else if (tensor instanceof TBfloat16 t) {
            return new OutputTensor(name, Datatype.FP32, dims, floatArray(t, n));
        } else if (tensor instanceof TFloat64 t) {
            double[] values = new double[n];
            t.copyTo(DataBuffers.of(values, false, false));
            return new OutputTensor(name, Datatype.FP64, dims, values);
        } else if (tensor instanceof TInt32 t) {
            int[] values = new int[n];
            t.copyTo(DataBuffers.of(values, false, false));
            return new OutputTensor(name, Datatype.INT32, dims, values);
        } else if (tensor instanceof TInt64 t) {
            long[] values = new long[n];
            t.copyTo(DataBuffers.of(values, false, false));
            return new OutputTensor(name, Datatype.INT64, dims, values);
        } else if (tensor instanceof TUint8 t) {
            byte[] values = new byte[n];
            t.copyTo(DataBuffers.of(values, false, false));
            return new OutputTensor(name, Datatype.UINT8, dims, values);
        } else if (tensor instanceof TInt8 t) {
            return new OutputTensor(name, Datatype.INT8, dims, NarrowIntegerTensors.int8Values(t));
        } else if (tensor instanceof TInt16 t) {
            return new OutputTensor(name, Datatype.INT16, dims, NarrowIntegerTensors.int16Values(t));
        } else if (tensor instanceof TUint16 t) {
            ShortDataBuffer buf = DataBuffers.ofShorts(n);
            t.copyTo(buf);
            int[] values = new int[n];
            for (int i = 0; i < n; i++) {
                values[i] = buf.getShort(i) & 0xffff;
            }
            return new OutputTensor(name, Datatype.INT32, dims, values);
        } else if (tensor instanceof TBool t) {
            boolean[] values = new boolean[n];
            t.copyTo(DataBuffers.of(values, false, false));
            return new OutputTensor(name, Datatype.BOOL, dims, values);
        } else if (tensor instanceof TString t) {
            byte[][] values = new byte[n][];
            t.asBytes().copyTo(DataBuffers.of(values, false, false));
            return new OutputTensor(name, Datatype.BYTES, dims, values);
        }
        throw new IllegalStateException("output " + name + " has an unsupported type " + tensor.dataType());
    }

    private static float[] floatArray(org.tensorflow.ndarray.FloatNdArray t, int n) {
        float[] values = new float[n];
        t.copyTo(DataBuffers.of(values, false, false));
        return values;
    }

    private static void floats(org.tensorflow.ndarray.FloatNdArray t, int n, ArrayNode data) {
        FloatDataBuffer buf = DataBuffers.ofFloats(n);
        t.copyTo(buf);
        for (int i = 0; i < n; i++) {
            data.add(buf.getFloat(i));
        }
    }
}
