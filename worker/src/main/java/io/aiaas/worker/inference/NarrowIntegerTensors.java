package io.aiaas.worker.inference;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.bytedeco.javacpp.PointerScope;
import org.tensorflow.RawTensor;
import org.tensorflow.SparseTensor;
import org.tensorflow.Tensor;
import org.tensorflow.TensorMapper;
import org.tensorflow.internal.buffer.TensorBuffers;
import org.tensorflow.internal.types.registry.TensorTypeRegistry;
import org.tensorflow.ndarray.ByteNdArray;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.ShortNdArray;
import org.tensorflow.ndarray.buffer.ByteDataBuffer;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.ndarray.buffer.ShortDataBuffer;
import org.tensorflow.ndarray.impl.dense.ByteDenseNdArray;
import org.tensorflow.ndarray.impl.dense.ShortDenseNdArray;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.annotation.TensorType;
import org.tensorflow.types.family.TIntegral;

/**
 * INT8 and INT16 tensors, which TensorFlow Java 1.1.0 has no classes for: {@link TInt8} and {@link TInt16} are
 * registered as tensor types with TensorFlow Java, so that tensors of them are allocated in native memory by
 * TensorFlow's C API ({@code TF_AllocateTensor}, through {@link Tensor#of}), fed through the ordinary {@code Session}
 * and signature calls, and come back typed in their {@code Result} (which maps every fetched {@code TF_Tensor} through
 * the registry and would otherwise fail with "No tensor type has been registered for data type DT_INT8").
 *
 * <p>Why reflection: the registry's {@code register(Class)} is private, and a tensor type TensorFlow Java does not know
 * cannot be fed either ({@code RawTensor} has no public constructor) or fetched. The alternative, running such
 * signatures through {@code TF_SessionRun} ourselves, needs the session's private native handle and a copy of the
 * session's run logic. This class is the only place that reaches into TensorFlow Java's internals; registration runs
 * once, when this class is initialised (at worker start-up, and before any model loads), and fails loudly if the
 * internals changed or TensorFlow Java has learned these types itself. The registry's maps are plain, so registering
 * before any session runs (class initialisation happens-before every use of {@link LoadedModel}) keeps later
 * concurrent reads safe.
 */
public final class NarrowIntegerTensors {

    /** 8-bit signed integer tensor ({@code DT_INT8}). */
    @TensorType(dataType = DataType.DT_INT8, byteSize = 1, mapperClass = Int8Mapper.class)
    public interface TInt8 extends ByteNdArray, TIntegral {}

    /** 16-bit signed integer tensor ({@code DT_INT16}). */
    @TensorType(dataType = DataType.DT_INT16, byteSize = 2, mapperClass = Int16Mapper.class)
    public interface TInt16 extends ShortNdArray, TIntegral {}

    static {
        register();
    }

    private NarrowIntegerTensors() {}

    /**
     * Registers the types if that has not happened yet.
     *
     * @throws ExceptionInInitializerError when TensorFlow Java's internals are not what this class expects
     */
    public static void ensureRegistered() {
        // The work is done by the static initialiser; calling this triggers it.
    }

    /** A new INT8 tensor of {@code shape} holding {@code values} (row-major); the caller closes it. */
    public static TInt8 int8(long[] shape, byte[] values) {
        return Tensor.of(TInt8.class, Shape.of(shape), t -> t.copyFrom(DataBuffers.of(values, true, false)));
    }

    /** A new INT16 tensor of {@code shape} holding {@code values} (row-major); the caller closes it. */
    public static TInt16 int16(long[] shape, short[] values) {
        return Tensor.of(TInt16.class, Shape.of(shape), t -> t.copyFrom(DataBuffers.of(values, true, false)));
    }

    /** The values of an INT8 tensor, flat in row-major order. */
    public static byte[] int8Values(TInt8 tensor) {
        byte[] values = new byte[Math.toIntExact(tensor.size())];
        tensor.copyTo(DataBuffers.of(values, false, false));
        return values;
    }

    /** The values of an INT16 tensor, flat in row-major order. */
    public static short[] int16Values(TInt16 tensor) {
        short[] values = new short[Math.toIntExact(tensor.size())];
        tensor.copyTo(DataBuffers.of(values, false, false));
        return values;
    }

    private static void register() {
        for (DataType type : new DataType[] {DataType.DT_INT8, DataType.DT_INT16}) {
            if (registered(type)) {
                throw new IllegalStateException("TensorFlow Java now has a tensor type of its own for " + type
                        + ": use it and remove NarrowIntegerTensors");
            }
        }
        try {
            Method register = TensorTypeRegistry.class.getDeclaredMethod("register", Class.class);
            register.setAccessible(true);
            register.invoke(null, TInt8.class);
            register.invoke(null, TInt16.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException(
                    "TensorFlow Java's TensorTypeRegistry changed: INT8/INT16 tensor types cannot be registered", e);
        }
        check();
    }

    private static boolean registered(DataType type) {
        try {
            TensorTypeRegistry.find(type);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Allocates, writes and reads back one tensor of each type, so a changed runtime fails here and not in a run. */
    private static void check() {
        Class<?> int8Type = TensorTypeRegistry.find(DataType.DT_INT8).type();
        Class<?> int16Type = TensorTypeRegistry.find(DataType.DT_INT16).type();
        if (int8Type != TInt8.class || int16Type != TInt16.class) {
            throw new IllegalStateException("TensorFlow Java did not take the INT8/INT16 tensor types");
        }
        byte[] bytes = {Byte.MIN_VALUE, -1, 0, Byte.MAX_VALUE};
        short[] shorts = {Short.MIN_VALUE, 0x0102, Short.MAX_VALUE};
        try (TInt8 int8 = int8(new long[] {2, 2}, bytes);
                TInt16 int16 = int16(new long[] {3}, shorts)) {
            byte[] rawShorts = new byte[6];
            int16.asRawTensor().data().read(rawShorts);
            short[] nativeShorts = new short[3];
            ByteBuffer.wrap(rawShorts)
                    .order(ByteOrder.nativeOrder())
                    .asShortBuffer()
                    .get(nativeShorts);
            byte[] rawBytes = new byte[4];
            int8.asRawTensor().data().read(rawBytes);
            if (int8.dataType() != DataType.DT_INT8
                    || int16.dataType() != DataType.DT_INT16
                    || int8.numBytes() != 4
                    || int16.numBytes() != 6
                    || !Arrays.equals(bytes, rawBytes)
                    || !Arrays.equals(shorts, nativeShorts)
                    || !Arrays.equals(bytes, int8Values(int8))
                    || !Arrays.equals(shorts, int16Values(int16))) {
                throw new IllegalStateException("INT8/INT16 tensors do not hold what was written to them");
            }
        }
    }

    /** Maps the native memory of a {@code DT_INT8} tensor as bytes, as TensorFlow Java's own mappers do. */
    public static final class Int8Mapper extends TensorMapper<TInt8> {
        @Override
        protected TInt8 mapDense(RawTensor tensor) {
            return new DenseInt8(tensor, TensorBuffers.toBytes(nativeHandle(tensor)));
        }

        @Override
        protected SparseTensor<TInt8> mapSparse(
                TInt64 indices, TInt8 values, TInt64 denseShape, PointerScope tensorScope) {
            throw new UnsupportedOperationException("sparse INT8 tensors are not supported");
        }
    }

    /** Maps the native memory of a {@code DT_INT16} tensor as shorts in the machine's byte order. */
    public static final class Int16Mapper extends TensorMapper<TInt16> {
        @Override
        protected TInt16 mapDense(RawTensor tensor) {
            return new DenseInt16(tensor, TensorBuffers.toShorts(nativeHandle(tensor)));
        }

        @Override
        protected SparseTensor<TInt16> mapSparse(
                TInt64 indices, TInt16 values, TInt64 denseShape, PointerScope tensorScope) {
            throw new UnsupportedOperationException("sparse INT16 tensors are not supported");
        }
    }

    private static final class DenseInt8 extends ByteDenseNdArray implements TInt8 {
        private final RawTensor raw;

        DenseInt8(RawTensor raw, ByteDataBuffer buffer) {
            super(buffer, raw.shape());
            this.raw = raw;
        }

        @Override
        public Class<TInt8> type() {
            return TInt8.class;
        }

        @Override
        public DataType dataType() {
            return raw.dataType();
        }

        @Override
        public long numBytes() {
            return raw.numBytes();
        }

        @Override
        public RawTensor asRawTensor() {
            return raw;
        }

        @Override
        public void close() {
            raw.close();
        }
    }

    private static final class DenseInt16 extends ShortDenseNdArray implements TInt16 {
        private final RawTensor raw;

        DenseInt16(RawTensor raw, ShortDataBuffer buffer) {
            super(buffer, raw.shape());
            this.raw = raw;
        }

        @Override
        public Class<TInt16> type() {
            return TInt16.class;
        }

        @Override
        public DataType dataType() {
            return raw.dataType();
        }

        @Override
        public long numBytes() {
            return raw.numBytes();
        }

        @Override
        public RawTensor asRawTensor() {
            return raw;
        }

        @Override
        public void close() {
            raw.close();
        }
    }

    /** Registers the types when the worker starts, so a TensorFlow Java that no longer allows it stops the start. */
    @Singleton
    static final class StartupCheck {
        void onStart(@Observes StartupEvent event) {
            ensureRegistered();
        }
    }
}
