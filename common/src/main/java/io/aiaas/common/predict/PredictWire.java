package io.aiaas.common.predict;

import io.aiaas.common.oip.Datatype;
import io.aiaas.common.oip.InputTensor;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary form of {@link PredictRequest} and {@link PredictReply} in Kafka records.
 *
 * <p>Written here rather than as JSON or with a schema library: the gateway has already parsed and checked the
 * caller's JSON into typed arrays, and the worker feeds those arrays to TensorFlow as they are; a second JSON pass per
 * prediction (and float text three times the size of the floats) is the cost this path exists to avoid. The format is
 * small: a two-byte magic, a format version, then fields in a fixed order; tensor values raw and little-endian (the
 * byte order of every machine TensorFlow runs on), strings as UTF-8 with a length. A reader refuses another version.
 */
public final class PredictWire {
    private static final byte MAGIC_1 = 'A';
    private static final byte REQUEST = 'Q';
    private static final byte REPLY = 'R';
    private static final byte VERSION = 1;

    private PredictWire() {}

    /** A record value that is not a readable prediction of this format. */
    public static final class MalformedRecordException extends RuntimeException {
        MalformedRecordException(String message) {
            super(message);
        }
    }

    public static byte[] encode(PredictRequest request) {
        Writer w = new Writer(256
                + tensorBytes(request.inputs().stream().map(PredictWire::sizeOf).toList()));
        w.header(REQUEST);
        w.string(request.requestId());
        w.string(request.tenantId());
        w.string(request.modelId());
        w.buf.putInt(request.version());
        w.string(request.signature());
        w.buf.putLong(request.deadlineEpochMillis());
        w.buf.putInt(request.replyPartition());
        w.buf.putInt(request.inputs().size());
        for (InputTensor input : request.inputs()) {
            w = w.ensure(sizeOf(input) + 64);
            w.tensor(input.name(), input.datatype(), input.shape(), input.values());
        }
        w = w.ensure(16);
        w.buf.putInt(request.outputs().size());
        for (String output : request.outputs()) {
            w = w.ensure(8 + 4 * output.length());
            w.string(output);
        }
        w = w.ensure(8);
        w.buf.putInt(request.inFlight());
        return w.bytes();
    }

    public static PredictRequest decodeRequest(byte[] value) {
        try {
            Reader r = new Reader(value, REQUEST);
            String requestId = r.string();
            String tenantId = r.string();
            String modelId = r.string();
            int version = r.buf.getInt();
            String signature = r.string();
            long deadline = r.buf.getLong();
            int replyPartition = r.buf.getInt();
            int n = r.count();
            List<InputTensor> inputs = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String name = r.string();
                Datatype datatype = r.datatype();
                long[] shape = r.shape();
                inputs.add(new InputTensor(name, datatype, shape, r.values(datatype, shape)));
            }
            int m = r.count();
            List<String> outputs = new ArrayList<>(m);
            for (int i = 0; i < m; i++) {
                outputs.add(r.string());
            }
            int inFlight = r.buf.getInt();
            return new PredictRequest(
                    requestId,
                    tenantId,
                    modelId,
                    version,
                    signature,
                    deadline,
                    replyPartition,
                    inputs,
                    outputs,
                    inFlight);
        } catch (BufferUnderflowException | IllegalArgumentException | NegativeArraySizeException e) {
            throw new MalformedRecordException("truncated or malformed prediction request");
        }
    }

    public static byte[] encode(PredictReply reply) {
        Writer w = new Writer(256
                + tensorBytes(reply.outputs().stream().map(PredictWire::sizeOf).toList()));
        w.header(REPLY);
        w.string(reply.requestId());
        w.buf.putInt(reply.status());
        w = w.ensure(16 + 4 * (reply.detail() == null ? 0 : reply.detail().length()));
        w.string(reply.detail());
        w = w.ensure(128);
        w.string(reply.device());
        w.buf.putLong(reply.computeMicros());
        w.buf.putInt(reply.batchRequests());
        w.string(reply.workerId());
        w.buf.putInt(reply.outputs().size());
        for (OutputTensor output : reply.outputs()) {
            w = w.ensure(sizeOf(output) + 64);
            w.tensor(output.name(), output.datatype(), output.shape(), output.values());
        }
        return w.bytes();
    }

    public static PredictReply decodeReply(byte[] value) {
        try {
            Reader r = new Reader(value, REPLY);
            String requestId = r.string();
            int status = r.buf.getInt();
            String detail = r.string();
            String device = r.string();
            long computeMicros = r.buf.getLong();
            int batchRequests = r.buf.getInt();
            String workerId = r.string();
            int n = r.count();
            List<OutputTensor> outputs = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String name = r.string();
                Datatype datatype = r.datatype();
                long[] shape = r.shape();
                outputs.add(new OutputTensor(name, datatype, shape, r.values(datatype, shape)));
            }
            return new PredictReply(requestId, status, detail, outputs, device, computeMicros, batchRequests, workerId);
        } catch (BufferUnderflowException | IllegalArgumentException | NegativeArraySizeException e) {
            throw new MalformedRecordException("truncated or malformed prediction reply");
        }
    }

    private static int tensorBytes(List<Long> sizes) {
        long total = 0;
        for (long s : sizes) {
            total += s + 64;
        }
        return (int) Math.min(total, Integer.MAX_VALUE - 1024);
    }

    private static long sizeOf(InputTensor t) {
        return valueBytes(t.datatype(), t.values());
    }

    private static long sizeOf(OutputTensor t) {
        return valueBytes(t.datatype(), t.values());
    }

    private static long valueBytes(Datatype datatype, Object values) {
        return switch (datatype) {
            case BOOL -> ((boolean[]) values).length;
            case INT8, UINT8 -> ((byte[]) values).length;
            case INT16 -> 2L * ((short[]) values).length;
            case INT32 -> 4L * ((int[]) values).length;
            case INT64 -> 8L * ((long[]) values).length;
            case FP32 -> 4L * ((float[]) values).length;
            case FP64 -> 8L * ((double[]) values).length;
            case BYTES -> {
                long n = 0;
                for (byte[] b : (byte[][]) values) {
                    n += 4 + b.length;
                }
                yield n;
            }
        };
    }

    private static final class Writer {
        ByteBuffer buf;

        Writer(int capacity) {
            buf = ByteBuffer.allocate(Math.max(capacity, 64)).order(ByteOrder.LITTLE_ENDIAN);
        }

        /** This writer with room for {@code more} bytes, grown when needed. */
        Writer ensure(long more) {
            if (buf.remaining() < more) {
                long wanted = Math.max((long) buf.capacity() * 2, buf.position() + more);
                ByteBuffer bigger = ByteBuffer.allocate((int) Math.min(wanted, Integer.MAX_VALUE - 8))
                        .order(ByteOrder.LITTLE_ENDIAN);
                buf.flip();
                bigger.put(buf);
                buf = bigger;
            }
            return this;
        }

        void header(byte kind) {
            buf.put(MAGIC_1).put(kind).put(VERSION);
        }

        void string(String s) {
            if (s == null) {
                buf.putInt(-1);
                return;
            }
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            // with room for the fixed-size fields that follow a string
            ensure(4L + bytes.length + 32);
            buf.putInt(bytes.length);
            buf.put(bytes);
        }

        void tensor(String name, Datatype datatype, long[] shape, Object values) {
            string(name);
            string(datatype.name());
            ensure(4L + 8L * shape.length);
            buf.putInt(shape.length);
            for (long d : shape) {
                buf.putLong(d);
            }
            ensure(valueBytes(datatype, values) + 40);
            switch (datatype) {
                case BOOL -> {
                    boolean[] a = (boolean[]) values;
                    buf.putInt(a.length);
                    for (boolean b : a) {
                        buf.put(b ? (byte) 1 : 0);
                    }
                }
                case INT8, UINT8 -> {
                    byte[] a = (byte[]) values;
                    buf.putInt(a.length);
                    buf.put(a);
                }
                case INT16 -> {
                    short[] a = (short[]) values;
                    buf.putInt(a.length);
                    buf.asShortBuffer().put(a);
                    buf.position(buf.position() + 2 * a.length);
                }
                case INT32 -> {
                    int[] a = (int[]) values;
                    buf.putInt(a.length);
                    buf.asIntBuffer().put(a);
                    buf.position(buf.position() + 4 * a.length);
                }
                case INT64 -> {
                    long[] a = (long[]) values;
                    buf.putInt(a.length);
                    buf.asLongBuffer().put(a);
                    buf.position(buf.position() + 8 * a.length);
                }
                case FP32 -> {
                    float[] a = (float[]) values;
                    buf.putInt(a.length);
                    buf.asFloatBuffer().put(a);
                    buf.position(buf.position() + 4 * a.length);
                }
                case FP64 -> {
                    double[] a = (double[]) values;
                    buf.putInt(a.length);
                    buf.asDoubleBuffer().put(a);
                    buf.position(buf.position() + 8 * a.length);
                }
                case BYTES -> {
                    byte[][] a = (byte[][]) values;
                    buf.putInt(a.length);
                    for (byte[] b : a) {
                        buf.putInt(b.length);
                        buf.put(b);
                    }
                }
            }
        }

        byte[] bytes() {
            byte[] out = new byte[buf.position()];
            buf.flip();
            buf.get(out);
            return out;
        }
    }

    private static final class Reader {
        final ByteBuffer buf;

        Reader(byte[] value, byte kind) {
            if (value == null || value.length < 3 || value[0] != MAGIC_1 || value[1] != kind) {
                throw new MalformedRecordException("not a prediction " + (kind == REQUEST ? "request" : "reply"));
            }
            if (value[2] != VERSION) {
                throw new MalformedRecordException("prediction record of format version " + value[2]);
            }
            buf = ByteBuffer.wrap(value, 3, value.length - 3).slice().order(ByteOrder.LITTLE_ENDIAN);
        }

        String string() {
            int n = buf.getInt();
            if (n == -1) {
                return null;
            }
            if (n < 0 || n > buf.remaining()) {
                throw new MalformedRecordException("bad string length");
            }
            byte[] bytes = new byte[n];
            buf.get(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }

        /** A count of following items, each of at least one byte. */
        int count() {
            int n = buf.getInt();
            if (n < 0 || n > buf.remaining() + 0L) {
                throw new MalformedRecordException("bad count");
            }
            return n;
        }

        Datatype datatype() {
            String name = string();
            return Datatype.parse(name).orElseThrow(() -> new MalformedRecordException("unknown datatype"));
        }

        long[] shape() {
            int rank = count();
            long[] shape = new long[rank];
            for (int i = 0; i < rank; i++) {
                shape[i] = buf.getLong();
            }
            return shape;
        }

        Object values(Datatype datatype, long[] shape) {
            int n = buf.getInt();
            long expected = 1;
            for (long d : shape) {
                expected = Math.multiplyExact(expected, d);
            }
            if (n < 0 || n != expected) {
                throw new MalformedRecordException("values do not fill the shape");
            }
            switch (datatype) {
                case BOOL -> {
                    need(n);
                    boolean[] a = new boolean[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = buf.get() != 0;
                    }
                    return a;
                }
                case INT8, UINT8 -> {
                    need(n);
                    byte[] a = new byte[n];
                    buf.get(a);
                    return a;
                }
                case INT16 -> {
                    need(2L * n);
                    short[] a = new short[n];
                    buf.asShortBuffer().get(a);
                    buf.position(buf.position() + 2 * n);
                    return a;
                }
                case INT32 -> {
                    need(4L * n);
                    int[] a = new int[n];
                    buf.asIntBuffer().get(a);
                    buf.position(buf.position() + 4 * n);
                    return a;
                }
                case INT64 -> {
                    need(8L * n);
                    long[] a = new long[n];
                    buf.asLongBuffer().get(a);
                    buf.position(buf.position() + 8 * n);
                    return a;
                }
                case FP32 -> {
                    need(4L * n);
                    float[] a = new float[n];
                    buf.asFloatBuffer().get(a);
                    buf.position(buf.position() + 4 * n);
                    return a;
                }
                case FP64 -> {
                    need(8L * n);
                    double[] a = new double[n];
                    buf.asDoubleBuffer().get(a);
                    buf.position(buf.position() + 8 * n);
                    return a;
                }
                case BYTES -> {
                    need(4L * n);
                    byte[][] a = new byte[n][];
                    for (int i = 0; i < n; i++) {
                        int len = buf.getInt();
                        need(len);
                        a[i] = new byte[len];
                        buf.get(a[i]);
                    }
                    return a;
                }
            }
            throw new MalformedRecordException("unknown datatype");
        }

        private void need(long bytes) {
            if (bytes < 0 || bytes > buf.remaining()) {
                throw new MalformedRecordException("truncated tensor");
            }
        }
    }
}
