package io.aiaas.worker.training;

import io.aiaas.common.training.TrainingPlan;
import io.aiaas.common.training.TrainingPlan.Activation;
import io.aiaas.common.training.TrainingPlan.Conv2d;
import io.aiaas.common.training.TrainingPlan.Dense;
import io.aiaas.common.training.TrainingPlan.Dropout;
import io.aiaas.common.training.TrainingPlan.Flatten;
import io.aiaas.common.training.TrainingPlan.Layer;
import io.aiaas.common.training.TrainingPlan.Loss;
import io.aiaas.common.training.TrainingPlan.MaxPool2d;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.op.core.Identity;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Sum;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * A {@link TrainingPlan} as one TensorFlow graph. A training graph holds the layers twice over the same variables: a
 * training pass (dropout on, its masks drawn from seeds fed per step) whose loss the optimizer minimises, and an
 * evaluation pass (dropout off) for validation and predictions. An inference graph holds only the latter: it is what
 * a trained version exports, so the SavedModel carries no optimizer state and no dropout.
 *
 * <p>Every variable (weights and optimizer slots alike) is given its value from Java through a placeholder and an
 * assign op: initial weights are drawn in Java ({@link #initialValues}), and the same path restores a checkpoint or
 * fills the export graph. Gradients come from the graph ({@code tf.gradients}); the updates are TensorFlow's fused
 * {@code Apply*} kernels, each gated on every gradient so that no weight changes while the backward pass still reads
 * it.
 */
final class NetworkGraph implements AutoCloseable {
    /** The signature's input (FP32 {@code [-1, features]}) and output (FP32 {@code [-1, units of the last layer]}). */
    static final String INPUT = "input";

    static final String OUTPUT = "output";

    /** Keras' defaults for what a spec does not set: Adam's betas, RMSprop's rho, the optimizers' epsilon. */
    static final float ADAM_BETA1 = 0.9f;

    static final float ADAM_BETA2 = 0.999f;
    static final float RMSPROP_RHO = 0.9f;
    static final float EPSILON = 1e-7f;
    /** Probabilities are clipped to [ε, 1 − ε] before a logarithm, as Keras does, when the loss cannot be fused. */
    static final float CLIP = 1e-7f;

    /**
     * A variable of the graph, in the order {@link #read} answers and {@link #assign} takes values.
     *
     * @param fanIn with {@code fanOut}, the Glorot bounds of a kernel; 0 for variables that start at {@code start}
     */
    record VariableSpec(String name, long[] shape, boolean trainable, int fanIn, int fanOut, float start) {
        int size() {
            long size = 1;
            for (long dim : shape) {
                size *= dim;
            }
            return Math.toIntExact(size);
        }

        /** Glorot-uniform bound, {@code sqrt(6 / (fanIn + fanOut))}, as Keras' default kernel initializer. */
        double glorotLimit() {
            return Math.sqrt(6.0 / (fanIn + fanOut));
        }

        boolean glorot() {
            return fanIn > 0;
        }
    }

    /** Loss and number of correct predictions of one batch, as one step fetches them. */
    record BatchMetrics(float loss, float correct) {}

    private record Parameters(Variable<TFloat32> kernel, Variable<TFloat32> bias) {}

    private record Pass(Operand<TFloat32> logits, Operand<TFloat32> activation) {}

    /** A batch's mean loss and its number of correct predictions, as graph values. */
    private record Scores(Operand<TFloat32> loss, Operand<TFloat32> correct) {}

    private final TrainingPlan plan;
    private final Graph graph;
    private final Ops tf;
    private final List<VariableSpec> specs = new ArrayList<>();
    private final List<Variable<TFloat32>> variables = new ArrayList<>();
    private final List<Placeholder<TFloat32>> values = new ArrayList<>();
    private final List<Op> assigns = new ArrayList<>();
    /** Per layer of the plan: its weights, null for layers without. */
    private final List<Parameters> parameters = new ArrayList<>();
    /** Per layer of the plan: the shape of one row it takes (without the batch). */
    private final List<long[]> layerInputs = new ArrayList<>();

    private final boolean imageInput;
    private final int dropoutLayers;

    private final Placeholder<TFloat32> input;
    private final Operand<TFloat32> output;
    private Placeholder<TInt64> labels;
    private Placeholder<TInt64> dropoutSeeds;
    private Operand<TFloat32> trainMetrics;
    private Operand<TFloat32> evalMetrics;
    private Op trainOp;

    private NetworkGraph(TrainingPlan plan, boolean training) {
        this.plan = plan;
        this.graph = new Graph();
        try {
            this.tf = Ops.create(graph);
            this.imageInput = plan.layers().stream().anyMatch(l -> l instanceof Conv2d || l instanceof MaxPool2d);
            this.dropoutLayers = training
                    ? (int) plan.layers().stream()
                            .filter(l -> l instanceof Dropout d && d.rate() > 0)
                            .count()
                    : 0;
            createParameters();
            input = tf.withName(INPUT)
                    .placeholder(TFloat32.class, Placeholder.shape(Shape.of(Shape.UNKNOWN_SIZE, plan.features())));
            if (!training) {
                output = tf.withName(OUTPUT).identity(pass(false).activation());
                return;
            }
            labels = tf.withName("labels").placeholder(TInt64.class, Placeholder.shape(Shape.of(Shape.UNKNOWN_SIZE)));
            if (dropoutLayers > 0) {
                dropoutSeeds = tf.withName("dropout_seeds")
                        .placeholder(TInt64.class, Placeholder.shape(Shape.of(dropoutLayers, 2)));
            }
            Pass train = pass(true);
            Pass eval = dropoutLayers > 0 ? pass(false) : train;
            output = tf.withName(OUTPUT).identity(eval.activation());
            Scores trainScores = scores(tf.withSubScope("train_scores"), train);
            trainMetrics = tf.stack(List.of(trainScores.loss(), trainScores.correct()));
            if (eval == train) {
                evalMetrics = trainMetrics;
            } else {
                Scores evalScores = scores(tf.withSubScope("eval_scores"), eval);
                evalMetrics = tf.stack(List.of(evalScores.loss(), evalScores.correct()));
            }
            trainOp = minimize(trainScores.loss());
        } catch (RuntimeException e) {
            graph.close();
            throw e;
        }
    }

    /** The graph that trains the plan's network. */
    static NetworkGraph training(TrainingPlan plan) {
        return new NetworkGraph(plan, true);
    }

    /** The graph a trained version exports: input to the last layer's activation, dropout off, weights only. */
    static NetworkGraph inference(TrainingPlan plan) {
        return new NetworkGraph(plan, false);
    }

    /**
     * A session on this graph with {@code threads} threads (intra- and inter-op). One thread keeps a seeded run
     * repeatable (reductions always add in the same order) and is the fastest for small networks; GPUs stay hidden, so
     * that a seeded run gives the same bits on any worker.
     */
    Session openSession(int threads) {
        return openSession(threads, false);
    }

    /**
     * A session of {@code threads} CPU threads; with {@code gpu}, TensorFlow places the graph's ops on the GPU the
     * runtime sees (the worker's GPU build), else GPUs stay hidden.
     */
    Session openSession(int threads, boolean gpu) {
        ConfigProto.Builder config =
                ConfigProto.newBuilder().setIntraOpParallelismThreads(threads).setInterOpParallelismThreads(threads);
        if (!gpu) {
            config.putDeviceCount("GPU", 0);
        }
        return new Session(graph, config.build());
    }

    List<VariableSpec> variables() {
        return List.copyOf(specs);
    }

    /** Dropout layers with a rate above 0: the rows of the seeds a training step takes. */
    int dropoutLayers() {
        return dropoutLayers;
    }

    /**
     * Every variable's starting value, in the order of {@link #variables}: kernels Glorot-uniform in
     * {@code [−limit, limit]}, drawn layer by layer from one {@code java.util.Random(seed)}; biases and optimizer slots
     * 0; Adam's β powers β.
     */
    List<float[]> initialValues(long seed) {
        Random random = new Random(seed);
        List<float[]> out = new ArrayList<>(specs.size());
        for (VariableSpec spec : specs) {
            float[] value = new float[spec.size()];
            if (spec.glorot()) {
                double limit = spec.glorotLimit();
                for (int i = 0; i < value.length; i++) {
                    value[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
                }
            } else if (spec.start() != 0) {
                Arrays.fill(value, spec.start());
            }
            out.add(value);
        }
        return out;
    }

    /** Sets every variable, values in the order of {@link #variables}. */
    void assign(Session session, List<float[]> given) {
        if (given.size() != specs.size()) {
            throw new IllegalArgumentException(specs.size() + " variables, " + given.size() + " values");
        }
        List<TFloat32> tensors = new ArrayList<>(given.size());
        try {
            Session.Runner runner = session.runner();
            for (int i = 0; i < specs.size(); i++) {
                VariableSpec spec = specs.get(i);
                float[] value = given.get(i);
                if (value.length != spec.size()) {
                    throw new IllegalArgumentException(
                            spec.name() + " holds " + spec.size() + " values, not " + value.length);
                }
                TFloat32 tensor = TFloat32.tensorOf(Shape.of(spec.shape()), DataBuffers.of(value, true, false));
                tensors.add(tensor);
                runner.feed(values.get(i), tensor).addTarget(assigns.get(i));
            }
            runner.run().close();
        } finally {
            tensors.forEach(TFloat32::close);
        }
    }

    /** Every variable's value, in the order of {@link #variables}. */
    List<float[]> read(Session session) {
        Session.Runner runner = session.runner();
        variables.forEach(runner::fetch);
        try (Result result = runner.run()) {
            List<float[]> out = new ArrayList<>(specs.size());
            for (int i = 0; i < specs.size(); i++) {
                float[] value = new float[specs.get(i).size()];
                ((TFloat32) result.get(i)).copyTo(DataBuffers.of(value, false, false));
                out.add(value);
            }
            return out;
        }
    }

    /**
     * One optimizer step on a batch: answers the batch's mean loss and correct predictions before the update.
     *
     * @param seeds {@code [dropoutLayers, 2]} seeds of this step's dropout masks; null without dropout
     */
    BatchMetrics trainStep(Session session, TFloat32 x, TInt64 y, TInt64 seeds) {
        Session.Runner runner = session.runner().feed(input, x).feed(labels, y);
        if (dropoutSeeds != null) {
            runner.feed(dropoutSeeds, seeds);
        }
        try (Result result = runner.addTarget(trainOp).fetch(trainMetrics).run()) {
            return metrics((TFloat32) result.get(0));
        }
    }

    /** Mean loss and correct predictions of a batch with dropout off; the weights stay as they are. */
    BatchMetrics evaluate(Session session, TFloat32 x, TInt64 y) {
        try (Result result = session.runner()
                .feed(input, x)
                .feed(labels, y)
                .fetch(evalMetrics)
                .run()) {
            return metrics((TFloat32) result.get(0));
        }
    }

    /** The last layer's activation for {@code rows} rows of {@code x}, row-major, dropout off. */
    float[] predict(Session session, float[] x, int rows) {
        try (TFloat32 batch = TFloat32.tensorOf(Shape.of(rows, plan.features()), DataBuffers.of(x, true, false));
                Result result =
                        session.runner().feed(input, batch).fetch(output).run()) {
            float[] out = new float[rows * plan.outputUnits()];
            ((TFloat32) result.get(0)).copyTo(DataBuffers.of(out, false, false));
            return out;
        }
    }

    /**
     * Writes this graph as a SavedModel into {@code dir} (which must not exist yet or be empty): signature
     * {@code serving_default}, tag {@code serve}, input {@value #INPUT}, output {@value #OUTPUT}. Meant for an
     * {@linkplain #inference inference graph}, whose only variables are the weights.
     */
    void exportSavedModel(Session session, Path dir) {
        Signature signature = Signature.builder()
                .key(Signature.DEFAULT_KEY)
                .input(INPUT, input)
                .output(OUTPUT, output)
                .build();
        try {
            SavedModelBundle.exporter(dir.toString())
                    .withTags(SavedModelBundle.DEFAULT_TAG)
                    .withSession(session)
                    .withSignature(signature)
                    .export();
        } catch (IOException e) {
            throw new UncheckedIOException("could not export the trained model to " + dir, e);
        }
    }

    @Override
    public void close() {
        graph.close();
    }

    private static BatchMetrics metrics(TFloat32 pair) {
        return new BatchMetrics(pair.getFloat(0), pair.getFloat(1));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Building

    /** The layers' weights, walking the shapes from the input (validation has checked that they chain). */
    private void createParameters() {
        long[] shape = inputShape();
        for (int i = 0; i < plan.layers().size(); i++) {
            Layer layer = plan.layers().get(i);
            layerInputs.add(shape);
            String scope = "layer" + i;
            if (layer instanceof Dense d) {
                if (shape.length != 1) {
                    throw new IllegalArgumentException(
                            "layer " + i + " (dense) gets a " + Arrays.toString(shape) + " input; it needs a flat one");
                }
                int in = Math.toIntExact(shape[0]);
                parameters.add(new Parameters(
                        variable(scope, "kernel", new long[] {in, d.units()}, true, in, d.units(), 0),
                        variable(scope, "bias", new long[] {d.units()}, true, 0, 0, 0)));
                shape = new long[] {d.units()};
            } else if (layer instanceof Conv2d c) {
                requireImage(shape, i, "conv2d");
                int channels = Math.toIntExact(shape[2]);
                int area = c.kernelHeight() * c.kernelWidth();
                parameters.add(new Parameters(
                        variable(
                                scope,
                                "kernel",
                                new long[] {c.kernelHeight(), c.kernelWidth(), channels, c.filters()},
                                true,
                                area * channels,
                                area * c.filters(),
                                0),
                        variable(scope, "bias", new long[] {c.filters()}, true, 0, 0, 0)));
                shape = new long[] {
                    convolved(shape[0], c.kernelHeight(), c.strideHeight(), c.padding()),
                    convolved(shape[1], c.kernelWidth(), c.strideWidth(), c.padding()),
                    c.filters()
                };
            } else if (layer instanceof MaxPool2d p) {
                requireImage(shape, i, "max_pool2d");
                parameters.add(null);
                shape = new long[] {shape[0] / p.poolHeight(), shape[1] / p.poolWidth(), shape[2]};
            } else if (layer instanceof Flatten) {
                parameters.add(null);
                shape = new long[] {product(shape)};
            } else {
                parameters.add(null); // dropout keeps the shape
            }
        }
        if (!(plan.layers().get(plan.layers().size() - 1) instanceof Dense)) {
            throw new IllegalArgumentException("the last layer must be dense");
        }
    }

    /** The shape one row fills: {@code [height, width, channels]} with image layers, else flat. */
    private long[] inputShape() {
        if (!imageInput) {
            return new long[] {plan.features()};
        }
        List<Integer> given = plan.inputShape();
        long[] shape = given.size() == 2
                ? new long[] {given.get(0), given.get(1), 1}
                : given.stream().mapToLong(Integer::longValue).toArray();
        if (shape.length != 3 || product(shape) != plan.features()) {
            throw new IllegalArgumentException(
                    "inputShape " + given + " does not hold a row of " + plan.features() + " features as an image");
        }
        return shape;
    }

    private static void requireImage(long[] shape, int layer, String type) {
        if (shape.length != 3) {
            throw new IllegalArgumentException("layer " + layer + " (" + type + ") gets a " + Arrays.toString(shape)
                    + " input; it needs [height, width, channels]");
        }
    }

    /** Keras' output size of a convolution along one dimension. */
    private static long convolved(long size, int kernel, int stride, TrainingPlan.Padding padding) {
        return padding == TrainingPlan.Padding.SAME ? (size + stride - 1) / stride : (size - kernel) / stride + 1;
    }

    private static long product(long[] shape) {
        long product = 1;
        for (long dim : shape) {
            product *= dim;
        }
        return product;
    }

    private Variable<TFloat32> variable(
            String scope, String name, long[] shape, boolean trainable, int fanIn, int fanOut, float start) {
        Ops scoped = tf.withSubScope(scope);
        Shape tfShape = shape.length == 0 ? Shape.scalar() : Shape.of(shape);
        Variable<TFloat32> variable = scoped.withName(name).variable(tfShape, TFloat32.class);
        Placeholder<TFloat32> value =
                scoped.withName(name + "_value").placeholder(TFloat32.class, Placeholder.shape(tfShape));
        assigns.add(scoped.withName(name + "_assign").assign(variable, value));
        values.add(value);
        variables.add(variable);
        specs.add(new VariableSpec(scope + "/" + name, shape, trainable, fanIn, fanOut, start));
        return variable;
    }

    /** The layers from {@link #input}: logits (the last layer before its activation) and the activation. */
    private Pass pass(boolean training) {
        Ops scope = tf.withSubScope(training ? "train_pass" : "eval_pass");
        Operand<TFloat32> h = input;
        if (imageInput) {
            long[] image = layerInputs.get(0);
            h = scope.reshape(h, scope.constant(new long[] {-1, image[0], image[1], image[2]}));
        }
        Operand<TFloat32> logits = null;
        int dropout = 0;
        for (int i = 0; i < plan.layers().size(); i++) {
            Layer layer = plan.layers().get(i);
            Parameters p = parameters.get(i);
            if (layer instanceof Dense d) {
                logits = scope.nn.biasAdd(scope.linalg.matMul(h, p.kernel()), p.bias());
                h = activate(scope, logits, d.activation());
            } else if (layer instanceof Conv2d c) {
                Operand<TFloat32> z = scope.nn.biasAdd(
                        scope.nn.conv2d(
                                h,
                                p.kernel(),
                                List.of(1L, (long) c.strideHeight(), (long) c.strideWidth(), 1L),
                                c.padding().name()),
                        p.bias());
                h = activate(scope, z, c.activation());
            } else if (layer instanceof MaxPool2d m) {
                Operand<TInt32> window = scope.constant(new int[] {1, m.poolHeight(), m.poolWidth(), 1});
                h = scope.nn.maxPool(h, window, window, "VALID");
            } else if (layer instanceof Flatten) {
                h = scope.reshape(h, scope.constant(new long[] {-1, product(layerInputs.get(i))}));
            } else if (layer instanceof Dropout d && training && d.rate() > 0) {
                h = dropout(scope, h, (float) d.rate(), dropout++);
            }
        }
        return new Pass(logits, h);
    }

    /**
     * Inverted dropout: each value kept when a uniform draw is at least {@code rate}, and scaled by 1 / (1 − rate).
     * The draws are stateless, seeded per step and layer from Java, so a resumed run draws the same masks.
     */
    private Operand<TFloat32> dropout(Ops scope, Operand<TFloat32> h, float rate, int index) {
        Operand<TInt64> seed = scope.stridedSlice(dropoutSeeds, Indices.at(index));
        Operand<TFloat32> uniform = scope.random.statelessRandomUniform(scope.shape(h), seed);
        Operand<TFloat32> keep =
                scope.dtypes.cast(scope.math.greaterEqual(uniform, scope.constant(rate)), TFloat32.class);
        return scope.math.mul(h, scope.math.mul(keep, scope.constant((float) (1.0 / (1.0 - rate)))));
    }

    private static Operand<TFloat32> activate(Ops tf, Operand<TFloat32> z, Activation activation) {
        return switch (activation) {
            case RELU -> tf.nn.relu(z);
            case SIGMOID -> tf.math.sigmoid(z);
            case TANH -> tf.math.tanh(z);
            case SOFTMAX -> tf.nn.softmax(z);
            case LINEAR -> z;
        };
    }

    /**
     * The batch's mean loss and its number of correct predictions. Softmax with a categorical loss and sigmoid with
     * binary cross-entropy are computed from the logits in one stable expression (as Keras does); other pairs from the
     * clipped probabilities. Accuracy: the arg max against the label with several units; with one unit, the
     * probability above 0.5 (binary) or the rounded output (mean squared error) against the label.
     */
    private Scores scores(Ops tf, Pass pass) {
        Dense last = (Dense) plan.layers().get(plan.layers().size() - 1);
        int units = last.units();
        Loss loss = plan.loss();
        boolean categorical = loss == Loss.SPARSE_CATEGORICAL_CROSSENTROPY || loss == Loss.CATEGORICAL_CROSSENTROPY;
        Operand<TFloat32> target = categorical || units > 1
                ? tf.oneHot(labels, tf.constant(units), tf.constant(1f), tf.constant(0f))
                : tf.reshape(tf.dtypes.cast(labels, TFloat32.class), tf.constant(new long[] {-1, 1}));
        Operand<TFloat32> z = pass.logits();
        Operand<TFloat32> a = pass.activation();
        Operand<TFloat32> value;
        if (categorical && last.activation() == Activation.SOFTMAX) {
            value = mean(tf, tf.nn.softmaxCrossEntropyWithLogits(z, target).loss());
        } else if (categorical) {
            Operand<TFloat32> p = clipped(tf, tf.math.div(a, tf.sum(a, tf.constant(1), Sum.keepDims(true))));
            value = mean(tf, tf.math.neg(tf.sum(tf.math.mul(target, tf.math.log(p)), tf.constant(1))));
        } else if (loss == Loss.BINARY_CROSSENTROPY && last.activation() == Activation.SIGMOID) {
            // max(z, 0) − z·t + log(1 + exp(−|z|)): the sigmoid's cross-entropy without overflow
            value = mean(
                    tf,
                    tf.math.add(
                            tf.math.sub(tf.nn.relu(z), tf.math.mul(z, target)),
                            tf.math.log1p(tf.math.exp(tf.math.neg(tf.math.abs(z))))));
        } else if (loss == Loss.BINARY_CROSSENTROPY) {
            Operand<TFloat32> p = clipped(tf, a);
            Operand<TFloat32> one = tf.constant(1f);
            value = mean(
                    tf,
                    tf.math.neg(tf.math.add(
                            tf.math.mul(target, tf.math.log(p)),
                            tf.math.mul(tf.math.sub(one, target), tf.math.log(tf.math.sub(one, p))))));
        } else {
            value = mean(tf, tf.math.squaredDifference(a, target));
        }
        Operand<TBool> hit;
        if (units > 1) {
            hit = tf.math.equal(tf.math.argMax(a, tf.constant(1)), labels);
        } else if (loss == Loss.BINARY_CROSSENTROPY) {
            hit = tf.math.equal(tf.dtypes.cast(tf.math.greater(a, tf.constant(0.5f)), TFloat32.class), target);
        } else {
            hit = tf.math.equal(tf.math.round(a), target);
        }
        Operand<TFloat32> correct =
                tf.sum(tf.reshape(tf.dtypes.cast(hit, TFloat32.class), tf.constant(new long[] {-1})), tf.constant(0));
        return new Scores(value, correct);
    }

    private static Operand<TFloat32> clipped(Ops tf, Operand<TFloat32> p) {
        return tf.math.minimum(tf.math.maximum(p, tf.constant(CLIP)), tf.constant(1 - CLIP));
    }

    /** The mean of every element (per example, or per example and unit). */
    private static Operand<TFloat32> mean(Ops tf, Operand<TFloat32> x) {
        return tf.math.mean(tf.reshape(x, tf.constant(new long[] {-1})), tf.constant(0));
    }

    /** The optimizer's update of every weight from the gradients of {@code loss}, and its slots. */
    private Op minimize(Operand<TFloat32> loss) {
        // So far the graph's variables are the weights; the optimizer's slots come below.
        List<Variable<TFloat32>> weights = List.copyOf(variables);
        List<VariableSpec> weightSpecs = List.copyOf(specs);
        Gradients gradients = tf.gradients(loss, weights);
        // Every gradient before any update (TF1's GATE_GRAPH): the backward pass reads weights that the updates change
        // in place, and without the gate an update can run before a gradient that reads its weight.
        List<Identity<TFloat32>> gated = new ArrayList<>();
        for (int i = 0; i < weights.size(); i++) {
            gated.add(tf.identity(gradients.<TFloat32>dy(i)));
        }
        Ops after = tf.withControlDependencies(new ArrayList<Op>(gated)).withSubScope("update");
        TrainingPlan.Optimizer optimizer = plan.optimizer();
        Operand<TFloat32> lr = after.constant((float) optimizer.learningRate());
        List<Op> updates = new ArrayList<>();
        Variable<TFloat32> beta1Power = null;
        Variable<TFloat32> beta2Power = null;
        if (optimizer.type() == TrainingPlan.OptimizerType.ADAM) {
            beta1Power = variable("optimizer", "beta1_power", new long[0], false, 0, 0, ADAM_BETA1);
            beta2Power = variable("optimizer", "beta2_power", new long[0], false, 0, 0, ADAM_BETA2);
        }
        for (int i = 0; i < weights.size(); i++) {
            Variable<TFloat32> w = weights.get(i);
            Operand<TFloat32> g = gated.get(i);
            String[] name = weightSpecs.get(i).name().split("/");
            String scope = name[0];
            String of = name[1] + "_";
            long[] shape = weightSpecs.get(i).shape();
            switch (optimizer.type()) {
                case SGD -> {
                    if (optimizer.momentum() == 0) {
                        updates.add(after.train.applyGradientDescent(w, lr, g));
                    } else {
                        Variable<TFloat32> accumulator = variable(scope, of + "momentum", shape, false, 0, 0, 0);
                        updates.add(after.train.applyMomentum(
                                w, accumulator, lr, g, after.constant((float) optimizer.momentum())));
                    }
                }
                case RMSPROP -> {
                    Variable<TFloat32> ms = variable(scope, of + "rms", shape, false, 0, 0, 0);
                    Variable<TFloat32> mom = variable(scope, of + "momentum", shape, false, 0, 0, 0);
                    updates.add(after.train.applyRmsProp(
                            w,
                            ms,
                            mom,
                            lr,
                            after.constant(RMSPROP_RHO),
                            after.constant(0f),
                            after.constant(EPSILON),
                            g));
                }
                case ADAM -> {
                    Variable<TFloat32> m = variable(scope, of + "m", shape, false, 0, 0, 0);
                    Variable<TFloat32> v = variable(scope, of + "v", shape, false, 0, 0, 0);
                    updates.add(after.train.applyAdam(
                            w,
                            m,
                            v,
                            beta1Power,
                            beta2Power,
                            lr,
                            after.constant(ADAM_BETA1),
                            after.constant(ADAM_BETA2),
                            after.constant(EPSILON),
                            g));
                }
            }
        }
        if (beta1Power != null) {
            Ops next = tf.withControlDependencies(updates).withSubScope("beta_powers");
            updates = List.of(
                    next.assign(beta1Power, next.math.mul(beta1Power, next.constant(ADAM_BETA1))),
                    next.assign(beta2Power, next.math.mul(beta2Power, next.constant(ADAM_BETA2))));
        }
        return tf.withControlDependencies(updates).withName("train_step").noOp();
    }
}
