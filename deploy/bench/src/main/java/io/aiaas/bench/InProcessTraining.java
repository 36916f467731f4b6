package io.aiaas.bench;

import io.aiaas.common.csv.CsvDatasetReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.op.core.Identity;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * A training job's work done in this JVM with TensorFlow Java alone: a dense classifier (ReLU hidden layers, a softmax
 * output trained through the fused softmax cross-entropy on one-hot labels) fitted with Adam in a plain loop, one
 * {@code Session.runner()} call per batch on a session of one thread. What the platform's training job costs without
 * the platform.
 *
 * <p>Written here from TensorFlow's ops rather than taken from the worker, so that the baseline does not inherit the
 * worker's choices. It draws its starting weights and its epochs' row orders as the worker's {@code Trainer} does for
 * a seeded plan (kernels Glorot-uniform from one {@code Random(seed)} layer by layer, biases 0; epoch {@code e}'s
 * Fisher–Yates shuffle from {@code Random(mix(seed + φ·e))}) and runs the same kernels in one thread, so that the same
 * seed on the same rows gives each epoch the same loss and accuracy on both sides (on 6,000 rows × 3 epochs they agreed
 * in every printed digit): a check that the platform did the same work.
 */
final class InProcessTraining implements AutoCloseable {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    /** Keras' Adam defaults, as the platform uses them. */
    private static final float BETA1 = 0.9f;

    private static final float BETA2 = 0.999f;
    private static final float EPSILON = 1e-7f;

    /** A dataset in memory: features row-major, one label per row, and how long reading the CSV took. */
    record Data(int rows, int features, float[] x, long[] labels, double readSeconds) {}

    /** One epoch: its wall time and the training rows' mean loss and accuracy over its steps (as Keras reports them). */
    record Epoch(int epoch, double seconds, double loss, double accuracy) {}

    /** A run of {@link #train}: its epochs, the examples stepped through and its wall time. */
    record Run(List<Epoch> epochs, long examples, double seconds) {
        double examplesPerSecond() {
            return examples / seconds;
        }

        Epoch last() {
            return epochs.get(epochs.size() - 1);
        }
    }

    private final int features;
    private final long seed;
    private final Graph graph;
    private final Session session;
    private final Placeholder<TFloat32> x;
    private final Placeholder<TInt64> y;
    /** The batch's mean loss and its number of correct predictions, fetched with every step. */
    private final Operand<TFloat32> scores;

    private final Op step;
    private final Op reset;

    /**
     * Builds the graph {@code widths[0]} → … → {@code widths[n-1]}: dense ReLU layers, then a dense softmax output.
     *
     * @param seed the starting weights' seed; {@link #reset} returns to them
     */
    InProcessTraining(int[] widths, double learningRate, long seed) {
        this.features = widths[0];
        this.seed = seed;
        this.graph = new Graph();
        try {
            Ops tf = Ops.create(graph);
            x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(Shape.UNKNOWN_SIZE, features)));
            y = tf.withName("y").placeholder(TInt64.class, Placeholder.shape(Shape.of(Shape.UNKNOWN_SIZE)));

            List<Variable<TFloat32>> weights = new ArrayList<>();
            List<Op> starts = new ArrayList<>();
            Random random = new Random(seed);
            Operand<TFloat32> h = x;
            for (int l = 1; l < widths.length; l++) {
                int in = widths[l - 1];
                int out = widths[l];
                Variable<TFloat32> kernel = tf.withName("kernel" + l).variable(Shape.of(in, out), TFloat32.class);
                Variable<TFloat32> bias = tf.withName("bias" + l).variable(Shape.of(out), TFloat32.class);
                starts.add(tf.assign(kernel, tf.constant(Shape.of(in, out), DataBuffers.of(glorot(random, in, out)))));
                starts.add(tf.assign(bias, tf.constant(Shape.of(out), DataBuffers.of(new float[out]))));
                weights.add(kernel);
                weights.add(bias);
                h = tf.nn.biasAdd(tf.linalg.matMul(h, kernel), bias);
                if (l < widths.length - 1) {
                    h = tf.nn.relu(h);
                }
            }
            Operand<TFloat32> logits = h;
            int classes = widths[widths.length - 1];
            Operand<TFloat32> oneHot = tf.oneHot(y, tf.constant(classes), tf.constant(1f), tf.constant(0f));
            Operand<TFloat32> loss = tf.math.mean(
                    tf.nn.softmaxCrossEntropyWithLogits(logits, oneHot).loss(), tf.constant(0));
            Operand<TFloat32> correct = tf.sum(
                    tf.dtypes.cast(tf.math.equal(tf.math.argMax(logits, tf.constant(1)), y), TFloat32.class),
                    tf.constant(0));
            scores = tf.stack(List.of(loss, correct));

            // Every gradient before any update: the backward pass reads the weights that ApplyAdam changes in place.
            Gradients gradients = tf.gradients(loss, weights);
            List<Identity<TFloat32>> gated = new ArrayList<>();
            for (int i = 0; i < weights.size(); i++) {
                gated.add(tf.identity(gradients.<TFloat32>dy(i)));
            }
            Ops after = tf.withControlDependencies(new ArrayList<Op>(gated));
            Variable<TFloat32> beta1Power = tf.withName("beta1_power").variable(Shape.scalar(), TFloat32.class);
            Variable<TFloat32> beta2Power = tf.withName("beta2_power").variable(Shape.scalar(), TFloat32.class);
            starts.add(tf.assign(beta1Power, tf.constant(BETA1)));
            starts.add(tf.assign(beta2Power, tf.constant(BETA2)));
            List<Op> updates = new ArrayList<>();
            for (int i = 0; i < weights.size(); i++) {
                Variable<TFloat32> w = weights.get(i);
                Shape shape = w.shape();
                Variable<TFloat32> m = tf.withName("adam_m" + i).variable(shape, TFloat32.class);
                Variable<TFloat32> v = tf.withName("adam_v" + i).variable(shape, TFloat32.class);
                starts.add(tf.assign(m, tf.zeros(tf.constant(shape), TFloat32.class)));
                starts.add(tf.assign(v, tf.zeros(tf.constant(shape), TFloat32.class)));
                updates.add(after.train.applyAdam(
                        w,
                        m,
                        v,
                        beta1Power,
                        beta2Power,
                        after.constant((float) learningRate),
                        after.constant(BETA1),
                        after.constant(BETA2),
                        after.constant(EPSILON),
                        gated.get(i)));
            }
            Ops next = tf.withControlDependencies(updates);
            step = tf.withControlDependencies(List.of(
                            next.assign(beta1Power, next.math.mul(beta1Power, next.constant(BETA1))),
                            next.assign(beta2Power, next.math.mul(beta2Power, next.constant(BETA2)))))
                    .withName("step")
                    .noOp();
            reset = tf.withControlDependencies(starts).withName("reset").noOp();

            // One thread, no GPU: what the worker gives a seeded training job.
            ConfigProto config = ConfigProto.newBuilder()
                    .setIntraOpParallelismThreads(1)
                    .setInterOpParallelismThreads(1)
                    .putDeviceCount("GPU", 0)
                    .build();
            session = new Session(graph, config);
            session.run(reset);
        } catch (RuntimeException e) {
            graph.close();
            throw e;
        }
    }

    /**
     * Reads the dataset CSV of {@code rows} rows with the platform's own reader into one array, as the worker reads a
     * training dataset whose rows it knows; timed from opening the file to the last row.
     */
    static Data read(Path csv, String labelColumn, int rows) throws IOException {
        long start = System.nanoTime();
        try (CsvDatasetReader reader = new CsvDatasetReader(
                new InputStreamReader(Files.newInputStream(csv), StandardCharsets.UTF_8), labelColumn)) {
            int features = reader.features();
            float[] x = new float[Math.multiplyExact(rows, features)];
            long[] labels = new long[rows];
            float[] row = new float[features];
            int r = 0;
            while (reader.next(row)) {
                if (r == rows) {
                    throw new IOException(csv + " has more than " + rows + " rows");
                }
                System.arraycopy(row, 0, x, r * features, features);
                labels[r] = reader.label();
                r++;
            }
            if (r != rows) {
                throw new IOException(csv + " has " + r + " rows, not " + rows);
            }
            return new Data(rows, features, x, labels, (System.nanoTime() - start) / 1e9);
        }
    }

    /** Sets the weights back to the seed's and Adam's state to its start. */
    void reset() {
        session.run(reset);
    }

    /**
     * Trains on the first {@code rows} rows of {@code data} for {@code epochs} epochs in batches of {@code batchSize}
     * (the last one smaller when they do not divide), from the weights the session holds. Timed from the first
     * epoch's shuffle to the last step.
     */
    Run train(Data data, int rows, int epochs, int batchSize) {
        if (data.features() != features) {
            throw new IllegalArgumentException(
                    "the graph takes " + features + " features, the data has " + data.features());
        }
        int[] order = new int[rows];
        float[] bx = new float[batchSize * features];
        long[] by = new long[batchSize];
        List<Epoch> done = new ArrayList<>();
        long examples = 0;
        long start = System.nanoTime();
        for (int e = 0; e < epochs; e++) {
            long epochStart = System.nanoTime();
            shuffle(order, e);
            double lossSum = 0;
            double correct = 0;
            for (int from = 0; from < rows; from += batchSize) {
                int n = Math.min(batchSize, rows - from);
                for (int i = 0; i < n; i++) {
                    int row = order[from + i];
                    System.arraycopy(data.x(), row * features, bx, i * features, features);
                    by[i] = data.labels()[row];
                }
                try (TFloat32 tx = TFloat32.tensorOf(
                                Shape.of(n, features),
                                DataBuffers.of(bx, true, false).narrow((long) n * features));
                        TInt64 ty = TInt64.tensorOf(
                                Shape.of(n), DataBuffers.of(by, true, false).narrow(n));
                        Result result = session.runner()
                                .feed(x, tx)
                                .feed(y, ty)
                                .addTarget(step)
                                .fetch(scores)
                                .run()) {
                    TFloat32 s = (TFloat32) result.get(0);
                    lossSum += (double) s.getFloat(0) * n;
                    correct += s.getFloat(1);
                }
                examples += n;
            }
            done.add(new Epoch(e + 1, (System.nanoTime() - epochStart) / 1e9, lossSum / rows, correct / rows));
        }
        return new Run(done, examples, (System.nanoTime() - start) / 1e9);
    }

    /** Epoch {@code epoch}'s (from 0) row order: a permutation that depends only on the seed and the epoch. */
    private void shuffle(int[] order, int epoch) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Random random = new Random(mix(seed + GOLDEN * (epoch + 1)));
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
    }

    /** SplitMix64's finaliser, so that neighbouring seeds give unrelated orders. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A kernel Glorot-uniform in ±√(6 / (in + out)), row-major, as Keras' default initializer draws it. */
    private static float[] glorot(Random random, int in, int out) {
        double limit = Math.sqrt(6.0 / (in + out));
        float[] value = new float[in * out];
        for (int i = 0; i < value.length; i++) {
            value[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
        }
        return value;
    }

    @Override
    public void close() {
        session.close();
        graph.close();
    }
}
