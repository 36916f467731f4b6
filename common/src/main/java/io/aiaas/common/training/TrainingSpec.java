package io.aiaas.common.training;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A training job's network and how to train it, as the contract's "Training specs" section describes it. Members are
 * as the tenant sent them (null when absent); {@link TrainingSpecs#read} reads one from JSON
 * strictly, and {@link TrainingSpecs#plan} checks it against its dataset and fills the defaults.
 *
 * @param layers the layers from input to output
 * @param inputShape the shape one CSV row fills in row-major order, for image layers (e.g. {@code [28, 28, 1]})
 * @param loss {@code sparse_categorical_crossentropy}, {@code categorical_crossentropy}, {@code binary_crossentropy}
 *     or {@code mean_squared_error}
 * @param optimizer {@code adam}, {@code sgd} or {@code rmsprop} with its learning rate
 * @param epochs passes over the training rows (from 1)
 * @param batchSize rows per step
 * @param validationSplit the share of rows held out (the last rows of the dataset, as Keras does), 0 to under 1
 * @param seed makes a run repeatable (weights, shuffling, dropout masks); null draws one
 * @param progressEverySteps a progress event every this many steps (and at each epoch's end)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = false)
public record TrainingSpec(
        List<Layer> layers,
        List<Integer> inputShape,
        String loss,
        Optimizer optimizer,
        Integer epochs,
        Integer batchSize,
        Double validationSplit,
        Long seed,
        Integer progressEverySteps) {

    /**
     * One layer. {@code type} is {@code dense} ({@code units}, {@code activation}), {@code dropout} ({@code rate}),
     * {@code conv2d} ({@code filters}, {@code kernelSize}, {@code strides}, {@code padding}, {@code activation}),
     * {@code max_pool2d} ({@code poolSize}) or {@code flatten}. {@code kernelSize}, {@code strides} and
     * {@code poolSize} are an integer or {@code [h, w]}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = false)
    public record Layer(
            String type,
            Integer units,
            String activation,
            Double rate,
            Integer filters,
            com.fasterxml.jackson.databind.JsonNode kernelSize,
            com.fasterxml.jackson.databind.JsonNode strides,
            String padding,
            com.fasterxml.jackson.databind.JsonNode poolSize) {}

    /** {@code type} {@code adam}, {@code sgd} (with {@code momentum}) or {@code rmsprop}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = false)
    public record Optimizer(String type, Double learningRate, Double momentum) {}
}
