package io.aiaas.worker.training;

import io.aiaas.common.training.TrainingPlan;
import io.aiaas.worker.training.NetworkGraph.BatchMetrics;
import io.aiaas.worker.training.NetworkGraph.VariableSpec;
import io.aiaas.worker.training.TrainingCheckpoint.VariableValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Trains a {@link TrainingPlan}'s network on data in memory, as Keras' {@code fit} does: the last rows held out for
 * validation, the training rows shuffled every epoch and taken in batches of {@code batchSize} (the last one smaller
 * when they do not divide), one optimizer step per batch, and after each epoch the held-out rows evaluated with dropout
 * off.
 *
 * <p>A seeded plan repeats bit for bit: weights start from {@code java.util.Random(seed)}, epoch {@code e}'s shuffle
 * and step {@code s}'s dropout masks are functions of the seed and {@code e} or {@code s}, and the session runs on one
 * thread. The same holds across a {@linkplain TrainingCheckpoint checkpoint}: a run resumed from the checkpoint of
 * epoch 2 ends with the same weights as one that never stopped.
 */
public final class Trainer {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private final int threads;
    private final boolean gpu;

    /** @param threads TensorFlow threads of a run without a tenant's seed (a seeded run always uses one) */
    public Trainer(int threads) {
        this(threads, false);
    }

    /**
     * @param gpu whether runs may use the GPU the TensorFlow runtime sees (a GPU worker's); a seeded run then repeats
     *     within the GPU kernels' floating-point tolerance rather than bit for bit
     */
    public Trainer(int threads, boolean gpu) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, not " + threads);
        }
        this.threads = threads;
        this.gpu = gpu;
    }

    /**
     * Trains from the start, or from {@code resumeFrom}, up to the plan's last epoch or until {@code stop} says so.
     *
     * @param resumeFrom a checkpoint of an earlier run of the same plan; null to start afresh
     * @param progress told every {@code progressEverySteps} steps and at each epoch's end (on this thread)
     * @param stop asked before every step and every validation batch: once true, the run ends there, stopped
     * @param checkpoints given a checkpoint after each epoch; null when none is wanted (reading the variables costs
     *     a little)
     * @throws IllegalArgumentException when the data does not fit the plan, or the checkpoint is of another plan
     * @throws TrainingDivergedException when the loss stops being a finite number
     */
    public TrainingResult run(
            TrainingPlan plan,
            TrainingData data,
            TrainingCheckpoint resumeFrom,
            Consumer<TrainingProgress> progress,
            BooleanSupplier stop,
            Consumer<TrainingCheckpoint> checkpoints) {
        long started = System.nanoTime();
        if (data.features() != plan.features()) {
            throw new IllegalArgumentException(
                    "the plan takes rows of " + plan.features() + " features; the data has " + data.features());
        }
        int validationRows = validationRows(data.rows(), plan.validationSplit());
        int trainingRows = data.rows() - validationRows;
        if (trainingRows < 1) {
            throw new IllegalArgumentException(
                    "validationSplit " + plan.validationSplit() + " of " + data.rows() + " rows leaves none to train");
        }
        String fingerprint = TrainingCheckpoint.fingerprint(plan);
        try (NetworkGraph graph = NetworkGraph.training(plan);
                Session session = graph.openSession(plan.seeded() ? 1 : threads, gpu);
                Run run = new Run(plan, data, graph, session, trainingRows, progress, stop)) {
            List<VariableSpec> specs = graph.variables();
            int firstEpoch = 0;
            if (resumeFrom == null) {
                graph.assign(session, graph.initialValues(plan.seed()));
            } else {
                graph.assign(session, resumedValues(resumeFrom, fingerprint, specs, plan));
                run.history.addAll(resumeFrom.history());
                run.steps = resumeFrom.steps();
                firstEpoch = resumeFrom.nextEpoch();
            }
            for (int epoch = firstEpoch; epoch < plan.epochs(); epoch++) {
                if (!run.epoch(epoch)) {
                    return run.result(true, null, started);
                }
                if (checkpoints != null) {
                    checkpoints.accept(new TrainingCheckpoint(
                            fingerprint, epoch + 1, run.steps, run.history, values(specs, graph.read(session))));
                }
            }
            List<float[]> all = graph.read(session);
            List<float[]> weights = new ArrayList<>();
            for (int i = 0; i < specs.size(); i++) {
                if (specs.get(i).trainable()) {
                    weights.add(all.get(i));
                }
            }
            return run.result(false, new TrainedNetwork(plan, weights), started);
        }
    }

    /**
     * The rows held out: the last {@code rows − ⌊rows × (1 − validationSplit)⌋}, as Keras' {@code validation_split}
     * cuts them (and as admission checked the split).
     */
    static int validationRows(int rows, double validationSplit) {
        if (validationSplit <= 0) {
            return 0;
        }
        return rows - (int) Math.floor(rows * (1.0 - validationSplit));
    }

    private static List<float[]> resumedValues(
            TrainingCheckpoint checkpoint, String fingerprint, List<VariableSpec> specs, TrainingPlan plan) {
        if (!checkpoint.plan().equals(fingerprint)) {
            throw new IllegalArgumentException("the checkpoint was made from another plan");
        }
        if (checkpoint.nextEpoch() < 0
                || checkpoint.nextEpoch() > plan.epochs()
                || checkpoint.history().size() != checkpoint.nextEpoch()) {
            throw new IllegalArgumentException("the checkpoint resumes at epoch " + checkpoint.nextEpoch() + " with "
                    + checkpoint.history().size() + " epochs of history; the plan has " + plan.epochs());
        }
        if (checkpoint.variables().size() != specs.size()) {
            throw new IllegalArgumentException("the checkpoint holds "
                    + checkpoint.variables().size() + " variables; the network has " + specs.size());
        }
        List<float[]> values = new ArrayList<>(specs.size());
        for (int i = 0; i < specs.size(); i++) {
            VariableSpec spec = specs.get(i);
            VariableValue saved = checkpoint.variables().get(i);
            if (!saved.name().equals(spec.name()) || !Arrays.equals(saved.shape(), spec.shape())) {
                throw new IllegalArgumentException("the checkpoint's variable " + saved.name()
                        + Arrays.toString(saved.shape()) + " is not the network's " + spec.name()
                        + Arrays.toString(spec.shape()));
            }
            values.add(saved.values());
        }
        return values;
    }

    private static List<VariableValue> values(List<VariableSpec> specs, List<float[]> values) {
        List<VariableValue> out = new ArrayList<>(specs.size());
        for (int i = 0; i < specs.size(); i++) {
            out.add(new VariableValue(specs.get(i).name(), specs.get(i).shape(), values.get(i)));
        }
        return out;
    }

    /** SplitMix64's finaliser: turns related seeds (seed and epoch, seed and layer) into unrelated ones. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** One call of {@link #run}: the buffers of its batches and its running totals. */
    private static final class Run implements AutoCloseable {
        final TrainingPlan plan;
        final TrainingData data;
        final NetworkGraph graph;
        final Session session;
        final int trainingRows;
        final int validationRows;
        final int batchSize;
        final int stepsPerEpoch;
        final Consumer<TrainingProgress> progress;
        final BooleanSupplier stop;
        final List<EpochMetrics> history = new ArrayList<>();
        final int[] order;
        final float[] x;
        final long[] y;
        /** Full batches reuse these tensors; a last, smaller batch gets its own. */
        final TFloat32 fullX;

        final TInt64 fullY;
        final long[] dropoutKeys;
        long steps;
        long examples;
        long validationExamples;

        Run(
                TrainingPlan plan,
                TrainingData data,
                NetworkGraph graph,
                Session session,
                int trainingRows,
                Consumer<TrainingProgress> progress,
                BooleanSupplier stop) {
            this.plan = plan;
            this.data = data;
            this.graph = graph;
            this.session = session;
            this.trainingRows = trainingRows;
            this.validationRows = data.rows() - trainingRows;
            this.batchSize = Math.min(plan.batchSize(), trainingRows);
            this.stepsPerEpoch = (trainingRows + batchSize - 1) / batchSize;
            this.progress = progress == null ? p -> {} : progress;
            this.stop = stop == null ? () -> false : stop;
            this.order = new int[trainingRows];
            this.x = new float[batchSize * data.features()];
            this.y = new long[batchSize];
            this.dropoutKeys = new long[graph.dropoutLayers()];
            for (int i = 0; i < dropoutKeys.length; i++) {
                dropoutKeys[i] = mix(mix(plan.seed()) + GOLDEN * (i + 1));
            }
            TFloat32 tx = TFloat32.tensorOf(Shape.of(batchSize, data.features()));
            try {
                this.fullY = TInt64.tensorOf(Shape.of(batchSize));
            } catch (RuntimeException e) {
                tx.close();
                throw e;
            }
            this.fullX = tx;
        }

        /** Runs epoch {@code epoch} (from 0); false when stopped before its end. */
        boolean epoch(int epoch) {
            shuffle(epoch);
            double lossSum = 0;
            double correct = 0;
            int seen = 0;
            int features = data.features();
            for (int step = 0; step < stepsPerEpoch; step++) {
                if (stop.getAsBoolean()) {
                    return false;
                }
                int from = step * batchSize;
                int n = Math.min(batchSize, trainingRows - from);
                for (int i = 0; i < n; i++) {
                    int row = order[from + i];
                    System.arraycopy(data.x(), row * features, x, i * features, features);
                    y[i] = data.labels()[row];
                }
                BatchMetrics m = n == batchSize ? stepFull() : stepPartial(n);
                if (!Float.isFinite(m.loss())) {
                    throw new TrainingDivergedException(epoch + 1, step + 1);
                }
                steps++;
                examples += n;
                seen += n;
                lossSum += (double) m.loss() * n;
                correct += m.correct();
                int done = step + 1;
                if (done % plan.progressEverySteps() == 0 && done < stepsPerEpoch) {
                    progress.accept(new TrainingProgress(
                            epoch + 1,
                            plan.epochs(),
                            done,
                            stepsPerEpoch,
                            lossSum / seen,
                            correct / seen,
                            false,
                            null,
                            null));
                }
            }
            Double valLoss = null;
            Double valAccuracy = null;
            if (validationRows > 0) {
                double[] validation = validate();
                if (validation == null) {
                    return false;
                }
                valLoss = validation[0];
                valAccuracy = validation[1];
            }
            EpochMetrics metrics = new EpochMetrics(epoch + 1, lossSum / seen, correct / seen, valLoss, valAccuracy);
            history.add(metrics);
            progress.accept(new TrainingProgress(
                    epoch + 1,
                    plan.epochs(),
                    stepsPerEpoch,
                    stepsPerEpoch,
                    metrics.loss(),
                    metrics.accuracy(),
                    true,
                    valLoss,
                    valAccuracy));
            return true;
        }

        /** The training rows in epoch {@code epoch}'s order: a permutation that depends only on the seed and epoch. */
        private void shuffle(int epoch) {
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Random random = new Random(mix(plan.seed() + GOLDEN * (epoch + 1)));
            for (int i = order.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
        }

        private BatchMetrics stepFull() {
            fullX.copyFrom(DataBuffers.of(x, true, false));
            fullY.copyFrom(DataBuffers.of(y, true, false));
            try (TInt64 seeds = dropoutSeeds()) {
                return graph.trainStep(session, fullX, fullY, seeds);
            }
        }

        private BatchMetrics stepPartial(int n) {
            try (TFloat32 bx = TFloat32.tensorOf(
                            Shape.of(n, data.features()),
                            DataBuffers.of(x, true, false).slice(0, (long) n * data.features()));
                    TInt64 by = TInt64.tensorOf(
                            Shape.of(n), DataBuffers.of(y, true, false).slice(0, n));
                    TInt64 seeds = dropoutSeeds()) {
                return graph.trainStep(session, bx, by, seeds);
            }
        }

        /** This step's dropout seeds: per dropout layer, the layer's key and the step. Null without dropout. */
        private TInt64 dropoutSeeds() {
            if (dropoutKeys.length == 0) {
                return null;
            }
            long[] seeds = new long[dropoutKeys.length * 2];
            for (int i = 0; i < dropoutKeys.length; i++) {
                seeds[2 * i] = dropoutKeys[i];
                seeds[2 * i + 1] = steps;
            }
            return TInt64.tensorOf(Shape.of(dropoutKeys.length, 2), DataBuffers.of(seeds, true, false));
        }

        /** Mean loss and accuracy over the validation rows; null when stopped. */
        private double[] validate() {
            double lossSum = 0;
            double correct = 0;
            int features = data.features();
            for (int from = trainingRows; from < data.rows(); from += batchSize) {
                if (stop.getAsBoolean()) {
                    return null;
                }
                int n = Math.min(batchSize, data.rows() - from);
                try (TFloat32 bx = TFloat32.tensorOf(
                                Shape.of(n, features),
                                DataBuffers.of(data.x(), true, false)
                                        .slice((long) from * features, (long) n * features));
                        TInt64 by = TInt64.tensorOf(
                                Shape.of(n),
                                DataBuffers.of(data.labels(), true, false).slice(from, n))) {
                    BatchMetrics m = graph.evaluate(session, bx, by);
                    lossSum += (double) m.loss() * n;
                    correct += m.correct();
                }
                validationExamples += n;
            }
            return new double[] {lossSum / validationRows, correct / validationRows};
        }

        TrainingResult result(boolean stopped, TrainedNetwork network, long started) {
            long millis = (System.nanoTime() - started) / 1_000_000;
            return new TrainingResult(stopped, history, examples, validationExamples, millis, network);
        }

        @Override
        public void close() {
            fullX.close();
            fullY.close();
        }
    }
}
