package io.aiaas.common.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.json.Json;
import io.aiaas.common.training.TrainingPlan.Activation;
import io.aiaas.common.training.TrainingPlan.Conv2d;
import io.aiaas.common.training.TrainingPlan.Dense;
import io.aiaas.common.training.TrainingPlan.Dropout;
import io.aiaas.common.training.TrainingPlan.Flatten;
import io.aiaas.common.training.TrainingPlan.Loss;
import io.aiaas.common.training.TrainingPlan.MaxPool2d;
import io.aiaas.common.training.TrainingPlan.Optimizer;
import io.aiaas.common.training.TrainingPlan.OptimizerType;
import io.aiaas.common.training.TrainingPlan.Padding;
import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TrainingSpecsTest {
    /** The contract's example network (MNIST as 784 pixel columns, labels 0 to 9). */
    static final String MNIST = "{'layers':[{'type':'dense','units':64,'activation':'relu'},"
            + "{'type':'dense','units':10,'activation':'softmax'}],'loss':'sparse_categorical_crossentropy',"
            + "'optimizer':{'type':'adam','learningRate':0.001},'epochs':5,'batchSize':32,'validationSplit':0.1,"
            + "'seed':42}";

    static final String CNN = "{'inputShape':[28,28,1],'layers':[{'type':'conv2d','filters':8,'kernelSize':3,"
            + "'activation':'relu'},{'type':'max_pool2d','poolSize':2},{'type':'flatten'},"
            + "{'type':'dense','units':10,'activation':'softmax'}],'loss':'sparse_categorical_crossentropy'}";

    /** A small dense classifier of 4 features into 3 classes, for the bad specs to change. */
    static final String SMALL =
            "{'layers':[{'type':'dense','units':8,'activation':'relu'},{'type':'dropout','rate':0.2},"
                    + "{'type':'dense','units':3,'activation':'softmax'}],'loss':'sparse_categorical_crossentropy'}";

    /** An image spec over 4 × 4 × 1 pixels (16 features). */
    static final String IMAGE = "{'inputShape':[4,4,1],'layers':[{'type':'conv2d','filters':2,'kernelSize':[3,3]},"
            + "{'type':'flatten'},{'type':'dense','units':3,'activation':'softmax'}],"
            + "'loss':'sparse_categorical_crossentropy'}";

    static JsonNode json(String singleQuoted) {
        try {
            return Json.mapper().readTree(singleQuoted.replace('\'', '"'));
        } catch (IOException e) {
            throw new IllegalArgumentException(singleQuoted, e);
        }
    }

    /** Where a spec is checked: against its dataset's rows, features and labels. */
    record Data(long rows, int features, long labelMin, long labelMax) {
        static final Data MNIST = new Data(1000, 784, 0, 9);
        static final Data SMALL = new Data(100, 4, 0, 2);
        static final Data IMAGE = new Data(100, 16, 0, 2);
    }

    static TrainingPlan plan(String spec, Data data) {
        return TrainingSpecs.plan(
                TrainingSpecs.read(json(spec)), data.rows, data.features, data.labelMin, data.labelMax, () -> 7L);
    }

    @Test
    void theContractsNetworkBecomesItsPlan() {
        TrainingPlan plan = plan(MNIST, Data.MNIST);
        assertEquals(784, plan.features());
        assertEquals(List.of(784), plan.inputShape());
        assertEquals(List.of(new Dense(64, Activation.RELU), new Dense(10, Activation.SOFTMAX)), plan.layers());
        assertEquals(Loss.SPARSE_CATEGORICAL_CROSSENTROPY, plan.loss());
        assertEquals(new Optimizer(OptimizerType.ADAM, 0.001, 0), plan.optimizer());
        assertEquals(5, plan.epochs());
        assertEquals(32, plan.batchSize());
        assertEquals(0.1, plan.validationSplit());
        assertEquals(42, plan.seed());
        assertTrue(plan.seeded());
        assertEquals(100, plan.progressEverySteps());
        assertEquals(10, plan.outputUnits());
    }

    @Test
    void aSmallCnnKeepsItsImageShapeAndFillsDefaults() {
        TrainingPlan plan = plan(CNN, Data.MNIST);
        assertEquals(List.of(28, 28, 1), plan.inputShape());
        assertEquals(
                List.of(
                        new Conv2d(8, 3, 3, 1, 1, Padding.VALID, Activation.RELU),
                        new MaxPool2d(2, 2),
                        new Flatten(),
                        new Dense(10, Activation.SOFTMAX)),
                plan.layers());
        // Keras' fit defaults, Adam at 0.001, a drawn seed
        assertEquals(1, plan.epochs());
        assertEquals(32, plan.batchSize());
        assertEquals(0.0, plan.validationSplit());
        assertEquals(new Optimizer(OptimizerType.ADAM, 0.001, 0), plan.optimizer());
        assertEquals(7, plan.seed());
        assertFalse(plan.seeded());
    }

    @Test
    void defaultsFollowKeras() {
        TrainingPlan plan = plan(
                "{'layers':[{'type':'dense','units':1}],'loss':'mean_squared_error','optimizer':{'type':'sgd',"
                        + "'momentum':0.9}}",
                Data.SMALL);
        assertEquals(new Dense(1, Activation.LINEAR), plan.layers().get(0));
        assertEquals(new Optimizer(OptimizerType.SGD, 0.01, 0.9), plan.optimizer());
        assertEquals(List.of(4), plan.inputShape());
        TrainingPlan rms = plan(
                "{'layers':[{'type':'dense','units':1,'activation':'sigmoid'}],'loss':'binary_crossentropy',"
                        + "'optimizer':{'type':'rmsprop'},'progressEverySteps':5,'epochs':1000,'batchSize':65536}",
                new Data(10, 4, 0, 1));
        assertEquals(new Optimizer(OptimizerType.RMSPROP, 0.001, 0), rms.optimizer());
        assertEquals(5, rms.progressEverySteps());
        // max_pool2d pools 2 × 2 unless told; strides 1 and padding valid; [h, w] sizes; "same" keeps the size
        TrainingPlan image = plan(
                "{'inputShape':[6,5,2],'layers':[{'type':'conv2d','filters':4,'kernelSize':[3,1],'strides':[1,2],"
                        + "'padding':'same','activation':'tanh'},{'type':'max_pool2d'},{'type':'flatten'},"
                        + "{'type':'dropout','rate':0},{'type':'dense','units':3,'activation':'softmax'}],"
                        + "'loss':'categorical_crossentropy','seed':-9223372036854775808}",
                new Data(10, 60, 0, 2));
        assertEquals(
                new Conv2d(4, 3, 1, 1, 2, Padding.SAME, Activation.TANH),
                image.layers().get(0));
        assertEquals(new MaxPool2d(2, 2), image.layers().get(1));
        assertEquals(new Dropout(0), image.layers().get(3));
        assertEquals(Long.MIN_VALUE, image.seed());
        // integers written as 64.0 are integers; a null member is an absent one
        TrainingPlan whole = plan(
                "{'layers':[{'type':'dense','units':1.0,'activation':null}],'loss':'mean_squared_error',"
                        + "'epochs':2.0,'optimizer':null}",
                Data.SMALL);
        assertEquals(new Dense(1, Activation.LINEAR), whole.layers().get(0));
        assertEquals(2, whole.epochs());
    }

    @Test
    void anImageShapeMayBeFlattenedForDenseLayers() {
        // Keras: Input((2, 2, 1)) → Flatten → Dense; the plan reads rows flat
        TrainingPlan plan = plan(
                "{'inputShape':[2,2,1],'layers':[{'type':'flatten'},{'type':'dense','units':1}],"
                        + "'loss':'mean_squared_error'}",
                Data.SMALL);
        assertEquals(List.of(4), plan.inputShape());
        assertEquals(List.of(new Flatten(), new Dense(1, Activation.LINEAR)), plan.layers());
    }

    @Test
    void theValidationSplitCutsAsKerasDoes() {
        assertEquals(10, TrainingSpecs.validationRows(100, 0.1));
        assertEquals(1, TrainingSpecs.validationRows(10, 0.01));
        assertEquals(0, TrainingSpecs.validationRows(10, 0));
        assertEquals(
                0.5,
                plan(
                                "{'layers':[{'type':'dense','units':1}],'loss':'mean_squared_error','validationSplit':0.5}",
                                new Data(2, 4, 0, 0))
                        .validationSplit());
    }

    @Test
    void aPlanTravelsInTheJobRequestAndReadsBack() {
        for (Bad each : List.of(
                new Bad(MNIST, 0, "", Data.MNIST),
                new Bad(CNN, 0, "", Data.MNIST),
                new Bad(IMAGE, 0, "", Data.IMAGE),
                new Bad(SMALL, 0, "", Data.SMALL))) {
            String spec = each.spec();
            TrainingPlan plan = plan(spec, each.data());
            JsonNode requestSpec = Json.mapper().valueToTree(TrainingSpecs.requestSpec(plan, json(spec)));
            // through text, as the job row and the claim carry it
            JsonNode reread = json(Json.write(requestSpec));
            assertEquals(plan, TrainingSpecs.planOf(reread));
            assertEquals(json(spec), reread.get("submitted"));
        }
        JsonNode mnist = TrainingSpecs.requestSpec(plan(MNIST, Data.MNIST), json(MNIST));
        assertEquals("dense", mnist.at("/plan/layers/0/type").asText());
        assertEquals("RELU", mnist.at("/plan/layers/0/activation").asText());
        assertEquals(42, mnist.at("/plan/seed").asLong());
        JsonNode cnn = TrainingSpecs.requestSpec(plan(CNN, Data.MNIST), json(CNN));
        assertEquals("conv2d", cnn.at("/plan/layers/0/type").asText());
        assertEquals("max_pool2d", cnn.at("/plan/layers/1/type").asText());
        assertEquals("flatten", cnn.at("/plan/layers/2/type").asText());
        assertEquals(3, cnn.at("/plan/layers/0/kernelHeight").asInt());
    }

    /** A spec that must be refused, the status it gets, what the detail must say, and its dataset. */
    record Bad(String spec, int status, String detail, Data data) {
        Bad(String spec, int status, String detail) {
            this(spec, status, detail, Data.SMALL);
        }

        @Override
        public String toString() {
            return status + " " + detail;
        }
    }

    /** SMALL with {@code from} replaced by {@code to} (each replacement must change the spec). */
    static String small(String from, String to) {
        return change(SMALL, from, to);
    }

    static String image(String from, String to) {
        return change(IMAGE, from, to);
    }

    static String change(String spec, String from, String to) {
        if (!spec.contains(from)) {
            throw new IllegalArgumentException(from + " is not in " + spec);
        }
        return spec.replace(from, to);
    }

    static final String LAST = "{'type':'dense','units':3,'activation':'softmax'}";

    static Stream<Bad> badSpecs() {
        return Stream.of(
                // 400: wrong JSON types and missing members
                new Bad("[]", 400, "spec must be an object"),
                new Bad("{'layers':'dense','loss':'mean_squared_error'}", 400, "spec.layers must be an array"),
                new Bad(
                        small("'units':8", "'units':'8'"),
                        400,
                        "spec.layers[0].units must be an integer, not a string"),
                new Bad(small("'units':8", "'units':2.5"), 400, "spec.layers[0].units must be an integer, not 2.5"),
                new Bad(small("'rate':0.2", "'rate':'0.2'"), 400, "spec.layers[1].rate must be a number"),
                new Bad(
                        small("'activation':'relu'", "'activation':1"),
                        400,
                        "spec.layers[0].activation must be a string"),
                new Bad(small("{'type':'dropout','rate':0.2}", "null"), 400, "spec.layers[1] must be an object"),
                new Bad(
                        image("'kernelSize':[3,3]", "'kernelSize':'3'"),
                        400,
                        "spec.layers[0].kernelSize must be an integer or [height, width]",
                        Data.IMAGE),
                new Bad(
                        image("'kernelSize':[3,3]", "'kernelSize':[3,'3']"),
                        400,
                        "spec.layers[0].kernelSize[1] must be an integer",
                        Data.IMAGE),
                new Bad(image("[4,4,1]", "[4,'4',1]"), 400, "spec.inputShape[1] must be an integer", Data.IMAGE),
                new Bad(
                        small("'loss':'sparse_categorical_crossentropy'", "'loss':5"),
                        400,
                        "spec.loss must be a string"),
                new Bad(SMALL.replaceFirst("}$", ",'optimizer':'adam'}"), 400, "spec.optimizer must be an object"),
                new Bad(
                        SMALL.replaceFirst("}$", ",'optimizer':{'type':'sgd','learningRate':'0.1'}}"),
                        400,
                        "spec.optimizer.learningRate must be a number"),
                new Bad(
                        SMALL.replaceFirst("}$", ",'epochs':true}"),
                        400,
                        "spec.epochs must be an integer, not a boolean"),
                new Bad(SMALL.replaceFirst("}$", ",'seed':1.5}"), 400, "spec.seed must be an integer"),
                new Bad("{'loss':'mean_squared_error'}", 400, "spec.layers is required"),
                new Bad(small(",'loss':'sparse_categorical_crossentropy'", ""), 400, "spec.loss is required"),
                new Bad(small("{'type':'dropout','rate':0.2}", "{'rate':0.2}"), 400, "spec.layers[1].type is required"),
                new Bad(small("'units':8,", ""), 400, "spec.layers[0].units is required for a dense layer"),
                new Bad(
                        image("'kernelSize':[3,3]", "'padding':'same'"),
                        400,
                        "spec.layers[0].kernelSize is required",
                        Data.IMAGE),
                new Bad(
                        SMALL.replaceFirst("}$", ",'optimizer':{'learningRate':0.1}}"),
                        400,
                        "spec.optimizer.type is required"),
                // 422: unknown members and names
                new Bad(
                        SMALL.replaceFirst("}$", ",'learning_rate':0.1}"),
                        422,
                        "spec.learning_rate is not a member of a training spec"),
                new Bad(
                        small("'units':8", "'units':8,'unit':8"),
                        422,
                        "spec.layers[0].unit is not a member of a dense layer; its members are type, units, activation."),
                new Bad(
                        small("'units':8", "'units':8,'rate':0.5"),
                        422,
                        "spec.layers[0].rate does not apply to a dense layer"),
                new Bad(
                        small("{'type':'dropout','rate':0.2}", "{'type':'lstm','cells':2}"),
                        422,
                        "spec.layers[1].cells is not a member of any layer"),
                new Bad(
                        SMALL.replaceFirst("}$", ",'optimizer':{'type':'adam','beta1':0.9}}"),
                        422,
                        "spec.optimizer.beta1 is not a member of an optimizer"),
                new Bad(
                        small("{'type':'dropout','rate':0.2}", "{'type':'lstm'}"),
                        422,
                        "spec.layers[1].type 'lstm' is not a layer type"),
                new Bad(
                        small("'activation':'relu'", "'activation':'gelu'"),
                        422,
                        "spec.layers[0].activation 'gelu' is not an activation"),
                new Bad(small("sparse_categorical_crossentropy", "hinge"), 422, "spec.loss 'hinge' is not a loss"),
                new Bad(
                        image("'kernelSize':[3,3]", "'kernelSize':3,'padding':'full'"),
                        422,
                        "spec.layers[0].padding 'full' is not a padding",
                        Data.IMAGE),
                new Bad(
                        SMALL.replaceFirst("}$", ",'optimizer':{'type':'adagrad'}}"),
                        422,
                        "spec.optimizer.type 'adagrad' is not an optimizer"),
                // 422: values out of range
                new Bad("{'layers':[],'loss':'mean_squared_error'}", 422, "spec.layers must hold at least one layer"),
                new Bad(
                        small("'units':8", "'units':0"),
                        422,
                        "spec.layers[0].units must be an integer from 1 to 65536 (got 0)"),
                new Bad(
                        small("'units':8", "'units':65537"),
                        422,
                        "spec.layers[0].units must be an integer from 1 to 65536"),
                new Bad(
                        small("'units':8", "'units':1e12"),
                        422,
                        "spec.layers[0].units must be an integer from 1 to 65536 (got 1000000000000)"),
                new Bad(
                        small("'rate':0.2", "'rate':1"),
                        422,
                        "spec.layers[1].rate must be at least 0 and below 1 (got 1)"),
                new Bad(small("'rate':0.2", "'rate':-0.1"), 422, "spec.layers[1].rate must be at least 0 and below 1"),
                new Bad(
                        image("'filters':2", "'filters':0"),
                        422,
                        "spec.layers[0].filters must be an integer from 1",
                        Data.IMAGE),
                new Bad(
                        image("'kernelSize':[3,3]", "'kernelSize':[3,3,3]"),
                        422,
                        "spec.layers[0].kernelSize must be an integer or [height, width]; it has 3 values",
                        Data.IMAGE),
                new Bad(
                        image("'kernelSize':[3,3]", "'kernelSize':0"),
                        422,
                        "spec.layers[0].kernelSize must be an integer from 1",
                        Data.IMAGE),
                new Bad(
                        image("'kernelSize':[3,3]", "'kernelSize':3,'strides':[1,0]"),
                        422,
                        "spec.layers[0].strides[1] must be an integer from 1",
                        Data.IMAGE),
                new Bad(
                        image("{'type':'flatten'}", "{'type':'max_pool2d','poolSize':0},{'type':'flatten'}"),
                        422,
                        "spec.layers[1].poolSize must be an integer from 1",
                        Data.IMAGE),
                new Bad(
                        SMALL.replaceFirst("}$", ",'optimizer':{'type':'adam','learningRate':0}}"),
                        422,
                        "spec.optimizer.learningRate must be above 0 and at most 10 (got 0)"),
                new Bad(
                        SMALL.replaceFirst("}$", ",'optimizer':{'type':'sgd','learningRate':11}}"),
                        422,
                        "spec.optimizer.learningRate must be above 0 and at most 10"),
                new Bad(
                        SMALL.replaceFirst("}$", ",'optimizer':{'type':'adam','momentum':0.9}}"),
                        422,
                        "spec.optimizer.momentum applies to sgd only"),
                new Bad(
                        SMALL.replaceFirst("}$", ",'optimizer':{'type':'sgd','momentum':1}}"),
                        422,
                        "spec.optimizer.momentum must be at least 0 and below 1"),
                new Bad(
                        SMALL.replaceFirst("}$", ",'epochs':0}"),
                        422,
                        "spec.epochs must be an integer from 1 to 1000 (got 0)"),
                new Bad(
                        SMALL.replaceFirst("}$", ",'epochs':1001}"),
                        422,
                        "spec.epochs must be an integer from 1 to 1000"),
                new Bad(
                        SMALL.replaceFirst("}$", ",'batchSize':0}"),
                        422,
                        "spec.batchSize must be an integer from 1 to 65536"),
                new Bad(
                        SMALL.replaceFirst("}$", ",'batchSize':65537}"),
                        422,
                        "spec.batchSize must be an integer from 1 to 65536"),
                new Bad(
                        SMALL.replaceFirst("}$", ",'validationSplit':1}"),
                        422,
                        "spec.validationSplit must be at least 0 and below 1"),
                new Bad(
                        SMALL.replaceFirst("}$", ",'validationSplit':-0.5}"),
                        422,
                        "spec.validationSplit must be at least 0 and below 1"),
                new Bad(
                        SMALL.replaceFirst("}$", ",'validationSplit':0.5}"),
                        422,
                        "spec.validationSplit 0.5 leaves no training row of the dataset's 1 row.",
                        new Data(1, 4, 0, 2)),
                new Bad(
                        SMALL.replaceFirst("}$", ",'validationSplit':1e-17}"),
                        422,
                        "spec.validationSplit 1.0E-17 holds out no row",
                        new Data(1, 4, 0, 2)),
                new Bad(SMALL, 422, "The dataset has no rows", new Data(0, 4, 0, 2)),
                new Bad(
                        SMALL.replaceFirst("}$", ",'progressEverySteps':0}"),
                        422,
                        "spec.progressEverySteps must be an integer from 1"),
                new Bad(
                        SMALL.replaceFirst("}$", ",'seed':1e30}"),
                        422,
                        "spec.seed must be an integer from -9223372036854775808 to 9223372036854775807"),
                // 422: layers that do not fit together or the dataset
                new Bad(
                        image("'inputShape':[4,4,1],", ""),
                        422,
                        "spec.inputShape is required with image layers",
                        Data.IMAGE),
                new Bad(
                        image("[4,4,1]", "[4,4,2]"),
                        422,
                        "spec.inputShape [4, 4, 2] holds 32 values; each row of the dataset has 16 features",
                        Data.IMAGE),
                new Bad(
                        image("[4,4,1]", "[2,2,2,2]"),
                        422,
                        "spec.inputShape is [features], [height, width] or [height, width, channels]; it has 4 dimensions",
                        Data.IMAGE),
                new Bad(
                        image("[4,4,1]", "[16,0,1]"),
                        422,
                        "spec.inputShape[1] must be an integer from 1 to 65536 (got 0)",
                        Data.IMAGE),
                new Bad(
                        image("{'type':'flatten'},", ""),
                        422,
                        "spec.layers[1] (dense) gets a [2, 2, 2] input; a dense layer takes a flat one: put a flatten layer before it",
                        Data.IMAGE),
                new Bad(
                        SMALL.replaceFirst("^\\{", "{'inputShape':[2,2,1],"),
                        422,
                        "spec.layers[0] (dense) gets a [2, 2, 1] input"),
                new Bad(
                        image(
                                "{'type':'flatten'},",
                                "{'type':'flatten'},{'type':'conv2d','filters':1,'kernelSize':1},"),
                        422,
                        "spec.layers[2] (conv2d) gets a [8] input; image layers take [height, width, channels]",
                        Data.IMAGE),
                new Bad(
                        image("'kernelSize':[3,3]", "'kernelSize':5"),
                        422,
                        "spec.layers[0] (conv2d) gets a [4, 4, 1] input, smaller than its kernelSize 5 × 5 with padding valid",
                        Data.IMAGE),
                new Bad(
                        image("{'type':'flatten'}", "{'type':'max_pool2d','poolSize':3},{'type':'flatten'}"),
                        422,
                        "spec.layers[1] (max_pool2d) gets a [2, 2, 2] input, smaller than its poolSize 3 × 3",
                        Data.IMAGE),
                new Bad(
                        small(LAST, LAST + ",{'type':'dropout','rate':0.5}"),
                        422,
                        "spec.layers[3] is a dropout layer; the last layer must be dense"),
                new Bad(
                        small("'softmax'", "'sigmoid'"),
                        422,
                        "spec.loss sparse_categorical_crossentropy needs a softmax output; spec.layers[2].activation is sigmoid"),
                new Bad(small(",'activation':'softmax'", ""), 422, "spec.layers[2].activation is linear (the default)"),
                new Bad(
                        small("'units':3,'activation':'softmax'", "'units':1,'activation':'softmax'"),
                        422,
                        "spec.layers[2].units must be at least 2 for sparse_categorical_crossentropy"),
                new Bad(
                        small("'units':3,'activation':'softmax'", "'units':2,'activation':'softmax'"),
                        422,
                        "The dataset's labels run from 0 to 2; sparse_categorical_crossentropy with 2 classes (spec.layers[2].units) needs every label from 0 to 1"),
                new Bad(SMALL, 422, "The dataset's labels run from -1 to 2", new Data(100, 4, -1, 2)),
                new Bad(
                        small("sparse_categorical_crossentropy", "categorical_crossentropy")
                                .replace("'softmax'", "'relu'"),
                        422,
                        "spec.loss categorical_crossentropy needs a softmax output"),
                new Bad(
                        small("sparse_categorical_crossentropy", "categorical_crossentropy"),
                        422,
                        "categorical_crossentropy with 3 classes",
                        new Data(100, 4, 0, 3)),
                new Bad(
                        small("sparse_categorical_crossentropy", "binary_crossentropy")
                                .replace("'softmax'", "'sigmoid'"),
                        422,
                        "spec.layers[2].units must be 1 for binary_crossentropy"),
                new Bad(
                        small("sparse_categorical_crossentropy", "binary_crossentropy")
                                .replace("'units':3,'activation':'softmax'", "'units':1,'activation':'softmax'"),
                        422,
                        "spec.loss binary_crossentropy needs a sigmoid output"),
                new Bad(
                        small("sparse_categorical_crossentropy", "binary_crossentropy")
                                .replace("'units':3,'activation':'softmax'", "'units':1,'activation':'sigmoid'"),
                        422,
                        "The dataset's labels run from 0 to 2; binary_crossentropy (spec.loss) needs labels 0 and 1 only"),
                new Bad(
                        small("sparse_categorical_crossentropy", "mean_squared_error"),
                        422,
                        "spec.layers[2].units must be 1 for mean_squared_error"),
                new Bad(
                        "{'layers':[{'type':'dense','units':65536},{'type':'dense','units':65536}],'loss':'mean_squared_error'}",
                        422,
                        "trainable parameters"));
    }

    @ParameterizedTest
    @MethodSource("badSpecs")
    void badSpecsAreRefusedNamingTheMember(Bad bad) {
        SpecException e = assertThrows(SpecException.class, () -> plan(bad.spec, bad.data));
        assertTrue(e.getMessage().contains(bad.detail), () -> "detail: " + e.getMessage() + "\nwanted: " + bad.detail);
        assertEquals(
                bad.status == 400 ? SpecException.Reason.UNREADABLE : SpecException.Reason.INVALID,
                e.reason(),
                e.getMessage());
        assertTrue(e.getMessage().startsWith("spec") || e.getMessage().startsWith("The dataset"), e.getMessage());
    }

    static Stream<Arguments> everyFourHundredComesFirst() {
        // a wrong type late in the spec outranks a bad value early in it
        return Stream.of(
                Arguments.of(small("'units':8", "'units':0").replaceFirst("}$", ",'epochs':'5'}"), "spec.epochs"),
                Arguments.of(
                        small("'units':8", "'units':0,'cells':1").replace("'rate':0.2", "'rate':'x'"),
                        "spec.layers[1].rate"),
                Arguments.of(
                        small("'units':8", "'units':0").replace(",'loss':'sparse_categorical_crossentropy'", ""),
                        "spec.loss"));
    }

    @ParameterizedTest
    @MethodSource
    void everyFourHundredComesFirst(String spec, String path) {
        SpecException e = assertThrows(SpecException.class, () -> plan(spec, Data.SMALL));
        assertEquals(SpecException.Reason.UNREADABLE, e.reason(), e.getMessage());
        assertEquals(path, e.path());
    }

    @Test
    void aSpecMadeWithoutReadIsCheckedAsStrictly() {
        TrainingSpec noUnits = new TrainingSpec(
                List.of(new TrainingSpec.Layer("dense", null, null, null, null, null, null, null, null)),
                null,
                "mean_squared_error",
                null,
                null,
                null,
                null,
                null,
                null);
        SpecException e = assertThrows(SpecException.class, () -> TrainingSpecs.plan(noUnits, 10, 4, 0, 1, () -> 1));
        assertEquals(SpecException.Reason.UNREADABLE, e.reason());
        TrainingSpec foreign = new TrainingSpec(
                List.of(new TrainingSpec.Layer("flatten", 3, null, null, null, null, null, null, null)),
                null,
                "mean_squared_error",
                null,
                null,
                null,
                null,
                null,
                null);
        e = assertThrows(SpecException.class, () -> TrainingSpecs.plan(foreign, 10, 4, 0, 1, () -> 1));
        assertEquals("spec.layers[0].units", e.path());
        assertEquals(SpecException.Reason.INVALID, e.reason());
    }
}
