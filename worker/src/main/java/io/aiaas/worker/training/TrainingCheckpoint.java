package io.aiaas.worker.training;

import io.aiaas.common.training.TrainingPlan;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * A run's state after an epoch, from which another {@link Trainer} continues as if it had never stopped: every
 * variable of the training graph (the weights and the optimizer's slots: Adam's moments and β powers, SGD's momentum,
 * RMSprop's mean square), the next epoch, the steps done so far (they seed the dropout masks) and the history. The
 * shuffle of epoch {@code e} depends only on the plan's seed and {@code e}, so no random generator state needs keeping.
 *
 * <p>Its bytes are a format of our own rather than TensorFlow's checkpoint files: one array that a runner can store
 * anywhere (TensorFlow's saver writes a directory through the graph), floats kept bit for bit (JSON would need base64
 * and a third more bytes), read back without TensorFlow, and checked by a CRC. Big-endian, as
 * {@link DataOutputStream} writes:
 *
 * <pre>
 * magic      8 bytes "AIAASCKP"
 * version    int      1
 * plan       UTF      {@link #fingerprint} of the plan it was made from
 * nextEpoch  int      epochs done (the next one to run, from 0)
 * steps      long     optimizer steps done over all epochs
 * history    int n, then n × (int epoch, double loss, double accuracy, boolean validated[, double valLoss, double valAccuracy])
 * variables  int n, then n × (UTF name, int rank, rank × long dim, int count, count × float)
 * crc        long     CRC-32 of every byte before it
 * </pre>
 *
 * @param plan the plan's {@link #fingerprint}: a checkpoint resumes only the network it was made from
 */
public record TrainingCheckpoint(
        String plan, int nextEpoch, long steps, List<EpochMetrics> history, List<VariableValue> variables) {

    private static final byte[] MAGIC = "AIAASCKP".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    /** Floats written or read per buffer: 256 KiB. */
    private static final int CHUNK = 1 << 16;

    public TrainingCheckpoint {
        history = List.copyOf(history);
        variables = List.copyOf(variables);
    }

    /** One variable of the training graph: its name there, its shape and its values, row-major. */
    public record VariableValue(String name, long[] shape, float[] values) {}

    /**
     * What of a plan a checkpoint depends on (the network, loss, optimizer, batches, split and seed), as a SHA-256 in
     * hex. Epochs and progress are left out: a resumed run may be given more epochs.
     */
    public static String fingerprint(TrainingPlan plan) {
        String canonical = String.join(
                "\n",
                "features=" + plan.features(),
                "inputShape=" + plan.inputShape(),
                "layers=" + plan.layers(),
                "loss=" + plan.loss(),
                "optimizer=" + plan.optimizer(),
                "batchSize=" + plan.batchSize(),
                "validationSplit=" + plan.validationSplit(),
                "seed=" + plan.seed());
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            writeTo(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Writes the format above to {@code out} (left open). */
    public void writeTo(OutputStream out) throws IOException {
        CheckedOutputStream checked = new CheckedOutputStream(out, new CRC32());
        DataOutputStream data = new DataOutputStream(checked);
        data.write(MAGIC);
        data.writeInt(VERSION);
        data.writeUTF(plan);
        data.writeInt(nextEpoch);
        data.writeLong(steps);
        data.writeInt(history.size());
        for (EpochMetrics m : history) {
            data.writeInt(m.epoch());
            data.writeDouble(m.loss());
            data.writeDouble(m.accuracy());
            boolean validated = m.valLoss() != null;
            data.writeBoolean(validated);
            if (validated) {
                data.writeDouble(m.valLoss());
                data.writeDouble(m.valAccuracy());
            }
        }
        data.writeInt(variables.size());
        byte[] chunk = new byte[CHUNK * Float.BYTES];
        for (VariableValue v : variables) {
            data.writeUTF(v.name());
            data.writeInt(v.shape().length);
            for (long dim : v.shape()) {
                data.writeLong(dim);
            }
            float[] values = v.values();
            data.writeInt(values.length);
            for (int from = 0; from < values.length; from += CHUNK) {
                int n = Math.min(CHUNK, values.length - from);
                ByteBuffer.wrap(chunk).asFloatBuffer().put(values, from, n);
                data.write(chunk, 0, n * Float.BYTES);
            }
        }
        data.flush();
        new DataOutputStream(out).writeLong(checked.getChecksum().getValue());
        out.flush();
    }

    /**
     * Reads a checkpoint written by {@link #toBytes}.
     *
     * @throws IllegalArgumentException when the bytes are not such a checkpoint, or are damaged
     */
    public static TrainingCheckpoint fromBytes(byte[] bytes) {
        try {
            return readFrom(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new IllegalArgumentException("not a training checkpoint: " + e.getMessage(), e);
        }
    }

    /**
     * Reads a checkpoint written by {@link #writeTo}.
     *
     * @throws IllegalArgumentException when the bytes are not such a checkpoint, or are damaged
     * @throws IOException when the stream fails or ends early
     */
    public static TrainingCheckpoint readFrom(InputStream in) throws IOException {
        CheckedInputStream checked = new CheckedInputStream(in, new CRC32());
        DataInputStream data = new DataInputStream(checked);
        byte[] magic = new byte[MAGIC.length];
        data.readFully(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IllegalArgumentException("not a training checkpoint (no AIAASCKP header)");
        }
        int version = data.readInt();
        if (version != VERSION) {
            throw new IllegalArgumentException("training checkpoint version " + version + "; this worker reads 1");
        }
        String plan = data.readUTF();
        int nextEpoch = data.readInt();
        long steps = data.readLong();
        int epochs = count(data.readInt(), "history entries");
        List<EpochMetrics> history = new ArrayList<>(Math.min(epochs, 1_000));
        for (int i = 0; i < epochs; i++) {
            int epoch = data.readInt();
            double loss = data.readDouble();
            double accuracy = data.readDouble();
            boolean validated = data.readBoolean();
            Double valLoss = validated ? data.readDouble() : null;
            Double valAccuracy = validated ? data.readDouble() : null;
            history.add(new EpochMetrics(epoch, loss, accuracy, valLoss, valAccuracy));
        }
        int count = count(data.readInt(), "variables");
        List<VariableValue> variables = new ArrayList<>(Math.min(count, 10_000));
        byte[] chunk = new byte[CHUNK * Float.BYTES];
        for (int i = 0; i < count; i++) {
            String name = data.readUTF();
            int rank = data.readInt();
            if (rank < 0 || rank > 8) {
                throw new IllegalArgumentException("variable " + name + " has rank " + rank);
            }
            long[] shape = new long[rank];
            long size = 1;
            for (int d = 0; d < rank; d++) {
                shape[d] = data.readLong();
                if (shape[d] < 1 || shape[d] > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("variable " + name + " has dimension " + shape[d]);
                }
                size = Math.multiplyExact(size, shape[d]);
            }
            int length = data.readInt();
            if (length != size) {
                throw new IllegalArgumentException(
                        "variable " + name + " of shape " + Arrays.toString(shape) + " has " + length + " values");
            }
            float[] values = new float[length];
            for (int from = 0; from < length; from += CHUNK) {
                int n = Math.min(CHUNK, length - from);
                data.readFully(chunk, 0, n * Float.BYTES);
                ByteBuffer.wrap(chunk, 0, n * Float.BYTES).asFloatBuffer().get(values, from, n);
            }
            variables.add(new VariableValue(name, shape, values));
        }
        long computed = checked.getChecksum().getValue();
        long stored = new DataInputStream(in).readLong();
        if (computed != stored) {
            throw new IllegalArgumentException("training checkpoint is damaged (CRC mismatch)");
        }
        return new TrainingCheckpoint(plan, nextEpoch, steps, history, variables);
    }

    private static int count(int n, String what) {
        if (n < 0) {
            throw new IllegalArgumentException("training checkpoint lists " + n + " " + what);
        }
        return n;
    }
}
