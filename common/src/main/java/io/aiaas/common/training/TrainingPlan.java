package io.aiaas.common.training;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/**
 * A {@link TrainingSpec} once checked against its dataset: every member present and in range, defaults filled, sizes
 * resolved. Workers build the graph from this; model-service makes it at submission (and refuses what cannot be made).
 *
 * @param features the dataset's feature columns (the length of one input row)
 * @param inputShape the shape a row fills, row-major: {@code [features]} for dense networks, e.g. {@code [28, 28, 1]}
 *     for image layers
 * @param layers from input to output; the last one's units are the output's
 * @param seed the run's seed (drawn at submission when the spec gave none, so that a rerun after a crash repeats it)
 * @param seeded whether the tenant gave the seed (a seeded run uses a fixed thread count so that it repeats exactly)
 */
public record TrainingPlan(
        int features,
        List<Integer> inputShape,
        List<Layer> layers,
        Loss loss,
        Optimizer optimizer,
        int epochs,
        int batchSize,
        double validationSplit,
        long seed,
        boolean seeded,
        int progressEverySteps) {

    public TrainingPlan {
        inputShape = List.copyOf(inputShape);
        layers = List.copyOf(layers);
    }

    /** Units of the last layer: the width of the output (and the number of classes of a classifier). */
    public int outputUnits() {
        for (int i = layers.size() - 1; i >= 0; i--) {
            if (layers.get(i) instanceof Dense d) {
                return d.units();
            }
        }
        throw new IllegalStateException("a plan ends with a dense layer");
    }

    public enum Activation {
        RELU,
        SIGMOID,
        TANH,
        SOFTMAX,
        LINEAR;

        /** The spec's name: {@code relu}, … */
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public enum Loss {
        SPARSE_CATEGORICAL_CROSSENTROPY,
        CATEGORICAL_CROSSENTROPY,
        BINARY_CROSSENTROPY,
        MEAN_SQUARED_ERROR;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public enum Padding {
        VALID,
        SAME
    }

    public enum OptimizerType {
        ADAM,
        SGD,
        RMSPROP
    }

    /** @param momentum SGD's momentum, 0 for plain SGD (and for the others) */
    public record Optimizer(OptimizerType type, double learningRate, double momentum) {}

    /** A layer of the plan; in JSON (a job request's {@code spec.plan}) its {@code type} is the spec's layer type. */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
    @JsonSubTypes({
        @JsonSubTypes.Type(value = Dense.class, name = "dense"),
        @JsonSubTypes.Type(value = Dropout.class, name = "dropout"),
        @JsonSubTypes.Type(value = Conv2d.class, name = "conv2d"),
        @JsonSubTypes.Type(value = MaxPool2d.class, name = "max_pool2d"),
        @JsonSubTypes.Type(value = Flatten.class, name = "flatten")
    })
    public sealed interface Layer permits Dense, Dropout, Conv2d, MaxPool2d, Flatten {}

    public record Dense(int units, Activation activation) implements Layer {}

    /** Inverted dropout: during training each value is kept with probability 1 − rate and scaled by 1 / (1 − rate). */
    public record Dropout(double rate) implements Layer {}

    public record Conv2d(
            int filters,
            int kernelHeight,
            int kernelWidth,
            int strideHeight,
            int strideWidth,
            Padding padding,
            Activation activation)
            implements Layer {}

    /** Pools of {@code poolHeight × poolWidth} with strides of the same size, padding {@code valid} (as Keras). */
    public record MaxPool2d(int poolHeight, int poolWidth) implements Layer {}

    public record Flatten() implements Layer {}
}
