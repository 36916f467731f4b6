package io.aiaas.common.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aiaas.common.json.Json;
import io.aiaas.common.training.TrainingPlan.Activation;
import io.aiaas.common.training.TrainingPlan.Conv2d;
import io.aiaas.common.training.TrainingPlan.Dense;
import io.aiaas.common.training.TrainingPlan.Dropout;
import io.aiaas.common.training.TrainingPlan.Flatten;
import io.aiaas.common.training.TrainingPlan.Layer;
import io.aiaas.common.training.TrainingPlan.Loss;
import io.aiaas.common.training.TrainingPlan.MaxPool2d;
import io.aiaas.common.training.TrainingPlan.Optimizer;
import io.aiaas.common.training.TrainingPlan.OptimizerType;
import io.aiaas.common.training.TrainingPlan.Padding;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * Reads a tenant's training spec ({@link #read}) and checks it against its dataset ({@link #plan}), as the contract's
 * "Training specs" section describes it: what Keras would refuse, or what could only fail on a worker after the job
 * was accepted, is refused here, naming the member ({@code spec.layers[2].units}).
 *
 * <p>Wrong JSON types (a string for a number, a fraction for an integer) and missing required members are
 * {@link SpecException.Reason#UNREADABLE} (400); unknown members, unknown names and values that cannot be trained are
 * {@link SpecException.Reason#INVALID} (422). Every 400 of a spec is found before any 422.
 */
public final class TrainingSpecs {
    /** Layers of one spec. */
    public static final int MAX_LAYERS = 1_000;
    /** Units of a dense layer, filters of a conv2d layer. */
    public static final int MAX_UNITS = 65_536;
    /** One dimension of {@code inputShape}, {@code kernelSize}, {@code strides} or {@code poolSize}. */
    public static final int MAX_SIZE = 65_536;
    /** Trainable parameters of the whole network (400 MB of FP32 weights; Adam keeps two more copies). */
    public static final long MAX_PARAMETERS = 100_000_000L;

    public static final int MAX_EPOCHS = 1_000;
    public static final int MAX_BATCH_SIZE = 65_536;
    public static final double MAX_LEARNING_RATE = 10;

    /** Defaults, as Keras' {@code fit}: one epoch, batches of 32, no validation. */
    public static final int DEFAULT_EPOCHS = 1;

    public static final int DEFAULT_BATCH_SIZE = 32;
    public static final int DEFAULT_PROGRESS_EVERY_STEPS = 100;
    /** Keras' {@code MaxPooling2D} default pool (and strides). */
    public static final int DEFAULT_POOL_SIZE = 2;
    /** The optimizer when the spec names none. */
    public static final OptimizerType DEFAULT_OPTIMIZER = OptimizerType.ADAM;

    static final String DENSE = "dense";
    static final String DROPOUT = "dropout";
    static final String CONV2D = "conv2d";
    static final String MAX_POOL2D = "max_pool2d";
    static final String FLATTEN = "flatten";

    private static final List<String> SPEC_MEMBERS = List.of(
            "layers",
            "inputShape",
            "loss",
            "optimizer",
            "epochs",
            "batchSize",
            "validationSplit",
            "seed",
            "progressEverySteps");
    private static final List<String> OPTIMIZER_MEMBERS = List.of("type", "learningRate", "momentum");
    /** Each layer type's members besides {@code type}, in the order messages list them. */
    private static final Map<String, List<String>> LAYER_MEMBERS = new LinkedHashMap<>();
    /** The members a layer type cannot do without. */
    private static final Map<String, List<String>> LAYER_REQUIRED = new LinkedHashMap<>();

    static {
        LAYER_MEMBERS.put(DENSE, List.of("units", "activation"));
        LAYER_MEMBERS.put(DROPOUT, List.of("rate"));
        LAYER_MEMBERS.put(CONV2D, List.of("filters", "kernelSize", "strides", "padding", "activation"));
        LAYER_MEMBERS.put(MAX_POOL2D, List.of("poolSize"));
        LAYER_MEMBERS.put(FLATTEN, List.of());
        LAYER_REQUIRED.put(DENSE, List.of("units"));
        LAYER_REQUIRED.put(DROPOUT, List.of("rate"));
        LAYER_REQUIRED.put(CONV2D, List.of("filters", "kernelSize"));
        LAYER_REQUIRED.put(MAX_POOL2D, List.of());
        LAYER_REQUIRED.put(FLATTEN, List.of());
    }

    private static final List<String> ANY_LAYER_MEMBER =
            List.of("units", "activation", "rate", "filters", "kernelSize", "strides", "padding", "poolSize");
    private static final BigInteger BEYOND_ANY_RANGE = BigInteger.TEN.pow(400);

    private TrainingSpecs() {}

    // ---------------------------------------------------------------------------------------------------------------
    // Reading JSON

    /**
     * The spec as the tenant sent it ({@code "spec"} of a training job), read strictly: JSON types, required members
     * and member names are checked here (values against the dataset by {@link #plan}).
     *
     * @throws SpecException 400 for wrong JSON types and missing members; 422 for unknown members, and for integers
     *     too large for their member (e.g. {@code "units": 1e12})
     */
    public static TrainingSpec read(JsonNode spec) {
        if (spec == null || spec.isNull() || spec.isMissingNode()) {
            throw SpecException.unreadable("spec", "spec is required for a training job.");
        }
        requireObject(spec, "spec");
        checkTypes(spec);
        checkRequired(spec);
        checkNames(spec);
        return build(spec);
    }

    private static void checkTypes(JsonNode spec) {
        JsonNode layers = member(spec, "layers");
        if (layers != null) {
            requireArray(layers, "spec.layers");
            for (int i = 0; i < layers.size(); i++) {
                JsonNode layer = layers.get(i);
                String at = "spec.layers[" + i + "]";
                requireObject(layer, at);
                text(layer, "type", at);
                integer(layer, "units", at);
                text(layer, "activation", at);
                number(layer, "rate", at);
                integer(layer, "filters", at);
                sizeType(member(layer, "kernelSize"), at + ".kernelSize");
                sizeType(member(layer, "strides"), at + ".strides");
                text(layer, "padding", at);
                sizeType(member(layer, "poolSize"), at + ".poolSize");
            }
        }
        JsonNode inputShape = member(spec, "inputShape");
        if (inputShape != null) {
            requireArray(inputShape, "spec.inputShape");
            for (int i = 0; i < inputShape.size(); i++) {
                whole(inputShape.get(i), "spec.inputShape[" + i + "]");
            }
        }
        text(spec, "loss", "spec");
        JsonNode optimizer = member(spec, "optimizer");
        if (optimizer != null) {
            requireObject(optimizer, "spec.optimizer");
            text(optimizer, "type", "spec.optimizer");
            number(optimizer, "learningRate", "spec.optimizer");
            number(optimizer, "momentum", "spec.optimizer");
        }
        integer(spec, "epochs", "spec");
        integer(spec, "batchSize", "spec");
        number(spec, "validationSplit", "spec");
        integer(spec, "seed", "spec");
        integer(spec, "progressEverySteps", "spec");
    }

    private static void checkRequired(JsonNode spec) {
        JsonNode layers = member(spec, "layers");
        if (layers == null) {
            throw SpecException.unreadable(
                    "spec.layers", "spec.layers is required: the network's layers, from input to output.");
        }
        for (int i = 0; i < layers.size(); i++) {
            JsonNode layer = layers.get(i);
            JsonNode type = member(layer, "type");
            requiredLayerMembers(
                    type == null ? null : type.asText(), name -> member(layer, name) != null, "spec.layers[" + i + "]");
        }
        if (member(spec, "loss") == null) {
            throw lossRequired();
        }
        JsonNode optimizer = member(spec, "optimizer");
        if (optimizer != null && member(optimizer, "type") == null) {
            throw optimizerTypeRequired();
        }
    }

    private static void checkNames(JsonNode spec) {
        for (Map.Entry<String, JsonNode> m : spec.properties()) {
            if (!SPEC_MEMBERS.contains(m.getKey())) {
                throw SpecException.invalid(
                        "spec." + m.getKey(),
                        "spec." + quoteName(m.getKey()) + " is not a member of a training spec; its members are "
                                + String.join(", ", SPEC_MEMBERS) + ".");
            }
        }
        JsonNode optimizer = member(spec, "optimizer");
        if (optimizer != null) {
            for (Map.Entry<String, JsonNode> m : optimizer.properties()) {
                if (!OPTIMIZER_MEMBERS.contains(m.getKey())) {
                    throw SpecException.invalid(
                            "spec.optimizer." + m.getKey(),
                            "spec.optimizer." + quoteName(m.getKey())
                                    + " is not a member of an optimizer; its members are "
                                    + String.join(", ", OPTIMIZER_MEMBERS) + ".");
                }
            }
        }
        JsonNode layers = member(spec, "layers");
        for (int i = 0; i < layers.size(); i++) {
            JsonNode layer = layers.get(i);
            String type = member(layer, "type").asText();
            String at = "spec.layers[" + i + "]";
            for (Map.Entry<String, JsonNode> m : layer.properties()) {
                String name = m.getKey();
                if (name.equals("type")) {
                    continue;
                }
                List<String> members = LAYER_MEMBERS.get(type);
                if (members == null && !ANY_LAYER_MEMBER.contains(name)) {
                    // the type is unknown too; plan() names it
                    throw SpecException.invalid(
                            at + "." + name,
                            at + "." + quoteName(name) + " is not a member of any layer; layers take "
                                    + String.join(", ", ANY_LAYER_MEMBER) + " as their type needs.");
                }
                if (members != null && !members.contains(name)) {
                    if (ANY_LAYER_MEMBER.contains(name)) {
                        throw notAMemberOf(at, name, type);
                    }
                    List<String> all = new ArrayList<>(List.of("type"));
                    all.addAll(members);
                    throw SpecException.invalid(
                            at + "." + name,
                            at + "." + quoteName(name) + " is not a member of a " + type + " layer; its members are "
                                    + String.join(", ", all) + ".");
                }
            }
        }
    }

    private static TrainingSpec build(JsonNode spec) {
        JsonNode layerNodes = member(spec, "layers");
        List<TrainingSpec.Layer> layers = new ArrayList<>();
        for (int i = 0; i < layerNodes.size(); i++) {
            JsonNode l = layerNodes.get(i);
            String at = "spec.layers[" + i + "]";
            layers.add(new TrainingSpec.Layer(
                    textValue(l, "type"),
                    intValue(l, "units", at, 1, MAX_UNITS),
                    textValue(l, "activation"),
                    doubleValue(l, "rate"),
                    intValue(l, "filters", at, 1, MAX_UNITS),
                    member(l, "kernelSize"),
                    member(l, "strides"),
                    textValue(l, "padding"),
                    member(l, "poolSize")));
        }
        List<Integer> inputShape = null;
        JsonNode shape = member(spec, "inputShape");
        if (shape != null) {
            inputShape = new ArrayList<>();
            for (int i = 0; i < shape.size(); i++) {
                String at = "spec.inputShape[" + i + "]";
                inputShape.add(toInt(whole(shape.get(i), at), at, 1, MAX_SIZE));
            }
        }
        JsonNode o = member(spec, "optimizer");
        TrainingSpec.Optimizer optimizer = o == null
                ? null
                : new TrainingSpec.Optimizer(
                        textValue(o, "type"), doubleValue(o, "learningRate"), doubleValue(o, "momentum"));
        JsonNode seedNode = member(spec, "seed");
        Long seed = null;
        if (seedNode != null) {
            BigInteger value = whole(seedNode, "spec.seed");
            if (value.bitLength() > 63) {
                throw SpecException.invalid(
                        "spec.seed",
                        "spec.seed must be an integer from " + Long.MIN_VALUE + " to " + Long.MAX_VALUE + " (got "
                                + shown(value) + ").");
            }
            seed = value.longValue();
        }
        return new TrainingSpec(
                layers,
                inputShape,
                textValue(spec, "loss"),
                optimizer,
                intValue(spec, "epochs", "spec", 1, MAX_EPOCHS),
                intValue(spec, "batchSize", "spec", 1, MAX_BATCH_SIZE),
                doubleValue(spec, "validationSplit"),
                seed,
                intValue(spec, "progressEverySteps", "spec", 1, Integer.MAX_VALUE));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Checking against the dataset

    /**
     * The plan a worker builds from: every member checked, defaults filled, sizes resolved through the layers.
     *
     * @param rows the dataset's rows (the validation split must leave rows on both sides)
     * @param features the dataset's feature columns (all columns but the label)
     * @param labelMin the smallest label in the dataset
     * @param labelMax the largest label in the dataset
     * @param seedIfAbsent draws the seed when the spec gives none (the plan then says {@code seeded=false})
     * @throws SpecException 400 for missing members and unreadable sizes, 422 for everything that cannot be trained
     */
    public static TrainingPlan plan(
            TrainingSpec spec, long rows, int features, long labelMin, long labelMax, LongSupplier seedIfAbsent) {
        if (spec == null) {
            throw SpecException.unreadable("spec", "spec is required for a training job.");
        }
        checkReadable(spec);

        List<TrainingSpec.Layer> given = spec.layers();
        if (given.isEmpty()) {
            throw SpecException.invalid("spec.layers", "spec.layers must hold at least one layer.");
        }
        if (given.size() > MAX_LAYERS) {
            throw SpecException.invalid(
                    "spec.layers", "spec.layers holds " + given.size() + " layers; at most " + MAX_LAYERS + ".");
        }
        List<Layer> layers = new ArrayList<>();
        boolean imageLayers = false;
        for (int i = 0; i < given.size(); i++) {
            Layer layer = layer(given.get(i), "spec.layers[" + i + "]");
            imageLayers |= layer instanceof Conv2d || layer instanceof MaxPool2d;
            layers.add(layer);
        }

        if (features < 1) {
            throw SpecException.invalid("dataset", "The dataset has no feature columns to train on.");
        }
        long[] shape = inputShape(spec.inputShape(), features, imageLayers);
        walk(layers, shape);
        int last = layers.size() - 1;
        if (!(layers.get(last) instanceof Dense output)) {
            throw SpecException.invalid(
                    "spec.layers[" + last + "]",
                    "spec.layers[" + last + "] is a " + given.get(last).type()
                            + " layer; the last layer must be dense (it is the model's output).");
        }
        Loss loss = loss(spec.loss());
        checkOutput(loss, output, last, labelMin, labelMax);

        Optimizer optimizer = optimizer(spec.optimizer());
        int epochs = intInRange(spec.epochs(), "spec.epochs", 1, MAX_EPOCHS, DEFAULT_EPOCHS);
        int batchSize = intInRange(spec.batchSize(), "spec.batchSize", 1, MAX_BATCH_SIZE, DEFAULT_BATCH_SIZE);
        double validationSplit = validationSplit(spec.validationSplit(), rows);
        int progressEverySteps = intInRange(
                spec.progressEverySteps(),
                "spec.progressEverySteps",
                1,
                Integer.MAX_VALUE,
                DEFAULT_PROGRESS_EVERY_STEPS);
        boolean seeded = spec.seed() != null;
        long seed = seeded ? spec.seed() : seedIfAbsent.getAsLong();
        List<Integer> planShape = imageLayers ? spec.inputShape() : List.of(features);
        return new TrainingPlan(
                features,
                planShape,
                layers,
                loss,
                optimizer,
                epochs,
                batchSize,
                validationSplit,
                seed,
                seeded,
                progressEverySteps);
    }

    /**
     * The rows held out for validation: the last ones, {@code rows − floor(rows × (1 − validationSplit))}, as Keras'
     * {@code validation_split} cuts them. The worker uses this to split exactly as admission checked.
     */
    public static long validationRows(long rows, double validationSplit) {
        if (validationSplit <= 0) {
            return 0;
        }
        return rows - (long) Math.floor(rows * (1.0 - validationSplit));
    }

    /** Every 400 of a spec made without {@link #read} (missing members, sizes of the wrong JSON type). */
    private static void checkReadable(TrainingSpec spec) {
        if (spec.layers() == null) {
            throw SpecException.unreadable(
                    "spec.layers", "spec.layers is required: the network's layers, from input to output.");
        }
        for (int i = 0; i < spec.layers().size(); i++) {
            TrainingSpec.Layer layer = spec.layers().get(i);
            String at = "spec.layers[" + i + "]";
            if (layer == null) {
                throw SpecException.unreadable(at, at + " must be an object, not null.");
            }
            requiredLayerMembers(layer.type(), name -> layerMember(layer, name) != null, at);
            sizeType(absentIfNull(layer.kernelSize()), at + ".kernelSize");
            sizeType(absentIfNull(layer.strides()), at + ".strides");
            sizeType(absentIfNull(layer.poolSize()), at + ".poolSize");
        }
        if (spec.inputShape() != null) {
            for (int i = 0; i < spec.inputShape().size(); i++) {
                if (spec.inputShape().get(i) == null) {
                    throw SpecException.unreadable(
                            "spec.inputShape[" + i + "]", "spec.inputShape[" + i + "] must be an integer, not null.");
                }
            }
        }
        if (spec.loss() == null) {
            throw lossRequired();
        }
        if (spec.optimizer() != null && spec.optimizer().type() == null) {
            throw optimizerTypeRequired();
        }
    }

    /** One layer on its own: type, members, ranges and names (its fit with its neighbours comes in {@link #walk}). */
    private static Layer layer(TrainingSpec.Layer l, String at) {
        List<String> members = LAYER_MEMBERS.get(l.type());
        if (members == null) {
            throw SpecException.invalid(
                    at + ".type",
                    at + ".type " + quote(l.type()) + " is not a layer type; use "
                            + orList(new ArrayList<>(LAYER_MEMBERS.keySet())) + ".");
        }
        for (String name : ANY_LAYER_MEMBER) {
            if (layerMember(l, name) != null && !members.contains(name)) {
                throw notAMemberOf(at, name, l.type());
            }
        }
        return switch (l.type()) {
            case DENSE -> new Dense(
                    intInRange(l.units(), at + ".units", 1, MAX_UNITS, 0), activation(l.activation(), at));
            case DROPOUT -> new Dropout(fraction(l.rate(), at + ".rate"));
            case CONV2D -> {
                int filters = intInRange(l.filters(), at + ".filters", 1, MAX_UNITS, 0);
                int[] kernel = pair(l.kernelSize(), at + ".kernelSize", 1);
                int[] strides = pair(l.strides(), at + ".strides", 1);
                yield new Conv2d(
                        filters,
                        kernel[0],
                        kernel[1],
                        strides[0],
                        strides[1],
                        padding(l.padding(), at),
                        activation(l.activation(), at));
            }
            case MAX_POOL2D -> {
                int[] pool = pair(l.poolSize(), at + ".poolSize", DEFAULT_POOL_SIZE);
                yield new MaxPool2d(pool[0], pool[1]);
            }
            default -> new Flatten();
        };
    }

    /** The shape a row fills: the given {@code inputShape} (1 to 3 dimensions holding the features), else flat. */
    private static long[] inputShape(List<Integer> given, int features, boolean imageLayers) {
        if (given == null) {
            if (imageLayers) {
                throw SpecException.invalid(
                        "spec.inputShape",
                        "spec.inputShape is required with image layers (conv2d, max_pool2d): [height, width,"
                                + " channels], holding the dataset's " + features + " features in row-major order.");
            }
            return new long[] {features};
        }
        if (given.isEmpty() || given.size() > 3) {
            throw SpecException.invalid(
                    "spec.inputShape",
                    "spec.inputShape is [features], [height, width] or [height, width, channels]; it has "
                            + given.size() + " dimensions.");
        }
        long product = 1;
        long[] shape = new long[given.size()];
        for (int i = 0; i < given.size(); i++) {
            shape[i] = intInRange(given.get(i), "spec.inputShape[" + i + "]", 1, MAX_SIZE, 0);
            product = Math.multiplyExact(product, shape[i]);
        }
        if (product != features) {
            throw SpecException.invalid(
                    "spec.inputShape",
                    "spec.inputShape " + shown(shape) + " holds " + product + " values; each row of the dataset has "
                            + features + " features.");
        }
        return shape;
    }

    /**
     * Follows the data through the layers: image layers take [height, width, channels] and must keep at least one
     * value per dimension, a dense layer takes a flat input (Keras needs an explicit Flatten; so do we), and the
     * network stays within {@link #MAX_PARAMETERS}.
     */
    private static void walk(List<Layer> layers, long[] input) {
        long[] shape = input;
        long parameters = 0;
        for (int i = 0; i < layers.size(); i++) {
            String at = "spec.layers[" + i + "]";
            Layer layer = layers.get(i);
            if (layer instanceof Dense d) {
                if (shape.length != 1) {
                    throw SpecException.invalid(
                            at,
                            at + " (dense) gets a " + shown(shape) + " input; a dense layer takes a flat one: put a"
                                    + " flatten layer before it.");
                }
                parameters = plus(parameters, plus(times(shape[0], d.units()), d.units()));
                shape = new long[] {d.units()};
            } else if (layer instanceof Conv2d c) {
                requireImage(shape, at, CONV2D);
                long h = convolved(shape[0], c.kernelHeight(), c.strideHeight(), c.padding());
                long w = convolved(shape[1], c.kernelWidth(), c.strideWidth(), c.padding());
                if (h < 1 || w < 1) {
                    throw SpecException.invalid(
                            at,
                            at + " (conv2d) gets a " + shown(shape) + " input, smaller than its kernelSize "
                                    + c.kernelHeight() + " × " + c.kernelWidth() + " with padding valid: its output"
                                    + " would be empty (use padding same or a smaller kernel).");
                }
                long weights = times(times(times(c.kernelHeight(), c.kernelWidth()), shape[2]), c.filters());
                parameters = plus(parameters, plus(weights, c.filters()));
                shape = new long[] {h, w, c.filters()};
            } else if (layer instanceof MaxPool2d p) {
                requireImage(shape, at, MAX_POOL2D);
                if (shape[0] < p.poolHeight() || shape[1] < p.poolWidth()) {
                    throw SpecException.invalid(
                            at,
                            at + " (max_pool2d) gets a " + shown(shape) + " input, smaller than its poolSize "
                                    + p.poolHeight() + " × " + p.poolWidth() + ": its output would be empty.");
                }
                shape = new long[] {shape[0] / p.poolHeight(), shape[1] / p.poolWidth(), shape[2]};
            } else if (layer instanceof Flatten) {
                long product = 1;
                for (long dim : shape) {
                    product = times(product, dim);
                }
                shape = new long[] {product};
            }
            // dropout keeps the shape
            if (parameters > MAX_PARAMETERS) {
                throw SpecException.invalid(
                        "spec.layers",
                        "spec.layers up to layers[" + i + "] make a network of more than " + MAX_PARAMETERS
                                + " trainable parameters, the most a training job may have.");
            }
        }
    }

    /** The output size along one dimension, as Keras computes it (0 or less: nothing left). */
    private static long convolved(long size, int kernel, int stride, Padding padding) {
        if (padding == Padding.SAME) {
            return (size + stride - 1) / stride;
        }
        return size < kernel ? 0 : (size - kernel) / stride + 1;
    }

    private static void requireImage(long[] shape, String at, String type) {
        if (shape.length != 3) {
            throw SpecException.invalid(
                    at,
                    at + " (" + type + ") gets a " + shown(shape) + " input; image layers take [height, width,"
                            + " channels]: give spec.inputShape as such and put image layers before flatten and"
                            + " dense.");
        }
    }

    /** The output layer against the loss and the dataset's labels. */
    private static void checkOutput(Loss loss, Dense output, int index, long labelMin, long labelMax) {
        String units = "spec.layers[" + index + "].units";
        String activation = "spec.layers[" + index + "].activation";
        String labels = "The dataset's labels run from " + labelMin + " to " + labelMax + "; ";
        switch (loss) {
            case SPARSE_CATEGORICAL_CROSSENTROPY, CATEGORICAL_CROSSENTROPY -> {
                requireActivation(loss, output, Activation.SOFTMAX, activation);
                if (output.units() < 2) {
                    throw SpecException.invalid(
                            units,
                            units + " must be at least 2 for " + loss.wire() + " (one unit per class); it is "
                                    + output.units() + ".");
                }
                if (labelMin < 0 || labelMax >= output.units()) {
                    throw SpecException.invalid(
                            units,
                            labels + loss.wire() + " with " + output.units() + " classes (" + units
                                    + ") needs every label from 0 to " + (output.units() - 1) + ".");
                }
            }
            case BINARY_CROSSENTROPY -> {
                requireOneUnit(loss, output, units, "one probability");
                requireActivation(loss, output, Activation.SIGMOID, activation);
                if (labelMin < 0 || labelMax > 1) {
                    throw SpecException.invalid(
                            "spec.loss", labels + "binary_crossentropy (spec.loss) needs labels 0 and 1 only.");
                }
            }
            case MEAN_SQUARED_ERROR -> requireOneUnit(loss, output, units, "the label is one number");
        }
    }

    private static void requireActivation(Loss loss, Dense output, Activation needed, String path) {
        if (output.activation() != needed) {
            throw SpecException.invalid(
                    path,
                    "spec.loss " + loss.wire() + " needs a " + needed.wire() + " output; " + path + " is "
                            + output.activation().wire()
                            + (output.activation() == Activation.LINEAR ? " (the default)." : "."));
        }
    }

    private static void requireOneUnit(Loss loss, Dense output, String path, String why) {
        if (output.units() != 1) {
            throw SpecException.invalid(
                    path, path + " must be 1 for " + loss.wire() + " (" + why + "); it is " + output.units() + ".");
        }
    }

    private static Optimizer optimizer(TrainingSpec.Optimizer given) {
        if (given == null) {
            return new Optimizer(DEFAULT_OPTIMIZER, defaultLearningRate(DEFAULT_OPTIMIZER), 0);
        }
        OptimizerType type = named(
                OptimizerType.values(),
                t -> t.name().toLowerCase(Locale.ROOT),
                given.type(),
                "spec.optimizer.type",
                "an optimizer");
        double learningRate = defaultLearningRate(type);
        if (given.learningRate() != null) {
            learningRate = given.learningRate();
            if (!(learningRate > 0 && learningRate <= MAX_LEARNING_RATE)) {
                throw SpecException.invalid(
                        "spec.optimizer.learningRate",
                        "spec.optimizer.learningRate must be above 0 and at most " + shown(MAX_LEARNING_RATE) + " (got "
                                + shown(learningRate) + ").");
            }
        }
        double momentum = 0;
        if (given.momentum() != null) {
            if (type != OptimizerType.SGD) {
                throw SpecException.invalid(
                        "spec.optimizer.momentum",
                        "spec.optimizer.momentum applies to sgd only; "
                                + type.name().toLowerCase(Locale.ROOT) + " takes none.");
            }
            momentum = fraction(given.momentum(), "spec.optimizer.momentum");
        }
        return new Optimizer(type, learningRate, momentum);
    }

    /** Keras' defaults: Adam and RMSprop 0.001, SGD 0.01. */
    public static double defaultLearningRate(OptimizerType type) {
        return type == OptimizerType.SGD ? 0.01 : 0.001;
    }

    private static double validationSplit(Double given, long rows) {
        if (rows < 1) {
            throw SpecException.invalid("dataset", "The dataset has no rows to train on.");
        }
        if (given == null) {
            return 0;
        }
        double split = fraction(given, "spec.validationSplit");
        long held = validationRows(rows, split);
        if (held >= rows) {
            throw SpecException.invalid(
                    "spec.validationSplit",
                    "spec.validationSplit " + shown(split) + " leaves no training row of the dataset's " + rowsOf(rows)
                            + ".");
        }
        if (split > 0 && held < 1) {
            throw SpecException.invalid(
                    "spec.validationSplit",
                    "spec.validationSplit " + shown(split) + " holds out no row of the dataset's " + rowsOf(rows)
                            + "; give a larger share, or 0 for no validation.");
        }
        return split;
    }

    private static String rowsOf(long rows) {
        return rows + (rows == 1 ? " row" : " rows");
    }

    private static Loss loss(String given) {
        return named(Loss.values(), Loss::wire, given, "spec.loss", "a loss");
    }

    private static Activation activation(String given, String at) {
        if (given == null) {
            return Activation.LINEAR;
        }
        return named(Activation.values(), Activation::wire, given, at + ".activation", "an activation");
    }

    private static Padding padding(String given, String at) {
        if (given == null) {
            return Padding.VALID;
        }
        return named(Padding.values(), p -> p.name().toLowerCase(Locale.ROOT), given, at + ".padding", "a padding");
    }

    /** The value whose wire name is {@code given} (exactly: names are lower case, as the contract writes them). */
    private static <E> E named(
            E[] values, java.util.function.Function<E, String> wire, String given, String path, String what) {
        for (E v : values) {
            if (wire.apply(v).equals(given)) {
                return v;
            }
        }
        List<String> names = new ArrayList<>();
        for (E v : values) {
            names.add(wire.apply(v));
        }
        throw SpecException.invalid(
                path, path + " " + quote(given) + " is not " + what + "; use " + orList(names) + ".");
    }

    /** An integer or {@code [height, width]}, each from 1 to {@link #MAX_SIZE}; {@code fallback} when absent. */
    private static int[] pair(JsonNode node, String path, int fallback) {
        node = absentIfNull(node);
        if (node == null) {
            return new int[] {fallback, fallback};
        }
        if (node.isNumber()) {
            int v = size(node, path);
            return new int[] {v, v};
        }
        if (node.size() != 2) {
            throw SpecException.invalid(
                    path, path + " must be an integer or [height, width]; it has " + node.size() + " values.");
        }
        return new int[] {size(node.get(0), path + "[0]"), size(node.get(1), path + "[1]")};
    }

    /** One dimension of a size: an integer from 1 to {@link #MAX_SIZE}. */
    private static int size(JsonNode node, String path) {
        return intInRange(toInt(whole(node, path), path, 1, MAX_SIZE), path, 1, MAX_SIZE, 0);
    }

    /** A number in [0, 1). */
    private static double fraction(Double value, String path) {
        if (!(value >= 0 && value < 1)) {
            throw SpecException.invalid(path, path + " must be at least 0 and below 1 (got " + shown(value) + ").");
        }
        return value;
    }

    /** {@code value} in [min, max]; {@code fallback} when null (callers of required members never pass null). */
    private static int intInRange(Integer value, String path, long min, long max, int fallback) {
        if (value == null) {
            return fallback;
        }
        if (value < min || value > max) {
            throw outOfRange(path, min, max, BigInteger.valueOf(value));
        }
        return value;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The spec a job request carries

    /**
     * The {@code spec} of a training job's {@code JobRequest}: {@code {"plan": <TrainingPlan>, "submitted": <the
     * tenant's spec as sent>}}. Workers train from {@code plan} ({@link #planOf}).
     */
    public static ObjectNode requestSpec(TrainingPlan plan, JsonNode submitted) {
        ObjectNode spec = Json.mapper().createObjectNode();
        spec.set("plan", Json.mapper().valueToTree(plan));
        spec.set("submitted", submitted);
        return spec;
    }

    /** The plan inside a training job's request {@code spec} (see {@link #requestSpec}). */
    public static TrainingPlan planOf(JsonNode requestSpec) {
        JsonNode plan = requestSpec == null ? null : requestSpec.get("plan");
        if (plan == null || !plan.isObject()) {
            throw new IllegalArgumentException("the job's spec carries no training plan");
        }
        try {
            return Json.mapper().treeToValue(plan, TrainingPlan.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("the job's training plan is unreadable", e);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Shared pieces

    private static void requiredLayerMembers(String type, java.util.function.Predicate<String> present, String at) {
        if (type == null) {
            throw SpecException.unreadable(
                    at + ".type", at + ".type is required (" + orList(new ArrayList<>(LAYER_MEMBERS.keySet())) + ").");
        }
        List<String> required = LAYER_REQUIRED.get(type);
        if (required == null) {
            return; // an unknown type: a 422 once the spec reads
        }
        for (String name : required) {
            if (!present.test(name)) {
                throw SpecException.unreadable(
                        at + "." + name, at + "." + name + " is required for a " + type + " layer.");
            }
        }
    }

    private static Object layerMember(TrainingSpec.Layer l, String name) {
        return switch (name) {
            case "units" -> l.units();
            case "activation" -> l.activation();
            case "rate" -> l.rate();
            case "filters" -> l.filters();
            case "kernelSize" -> absentIfNull(l.kernelSize());
            case "strides" -> absentIfNull(l.strides());
            case "padding" -> l.padding();
            case "poolSize" -> absentIfNull(l.poolSize());
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static SpecException notAMemberOf(String at, String name, String type) {
        List<String> members = new ArrayList<>(List.of("type"));
        members.addAll(LAYER_MEMBERS.get(type));
        return SpecException.invalid(
                at + "." + name,
                at + "." + quoteName(name) + " does not apply to a " + type + " layer; its members are "
                        + String.join(", ", members) + ".");
    }

    private static SpecException lossRequired() {
        List<String> names = new ArrayList<>();
        for (Loss l : Loss.values()) {
            names.add(l.wire());
        }
        return SpecException.unreadable("spec.loss", "spec.loss is required (" + orList(names) + ").");
    }

    private static SpecException optimizerTypeRequired() {
        return SpecException.unreadable(
                "spec.optimizer.type", "spec.optimizer.type is required (adam, sgd or rmsprop).");
    }

    private static SpecException outOfRange(String path, long min, long max, BigInteger got) {
        return SpecException.invalid(
                path, path + " must be an integer from " + min + " to " + max + " (got " + shown(got) + ").");
    }

    /** The member, or null when absent or JSON null (both mean "not given"). */
    private static JsonNode member(JsonNode object, String name) {
        return absentIfNull(object.get(name));
    }

    private static JsonNode absentIfNull(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode() ? null : node;
    }

    private static void requireObject(JsonNode node, String path) {
        if (node == null || !node.isObject()) {
            throw SpecException.unreadable(path, path + " must be an object, not " + kind(node) + ".");
        }
    }

    private static void requireArray(JsonNode node, String path) {
        if (!node.isArray()) {
            throw SpecException.unreadable(path, path + " must be an array, not " + kind(node) + ".");
        }
    }

    private static void text(JsonNode object, String name, String parent) {
        JsonNode node = member(object, name);
        if (node != null && !node.isTextual()) {
            throw SpecException.unreadable(
                    parent + "." + name, parent + "." + name + " must be a string, not " + kind(node) + ".");
        }
    }

    private static void number(JsonNode object, String name, String parent) {
        JsonNode node = member(object, name);
        if (node != null && !node.isNumber()) {
            throw SpecException.unreadable(
                    parent + "." + name, parent + "." + name + " must be a number, not " + kind(node) + ".");
        }
    }

    private static void integer(JsonNode object, String name, String parent) {
        JsonNode node = member(object, name);
        if (node != null) {
            whole(node, parent + "." + name);
        }
    }

    /** {@code kernelSize}, {@code strides}, {@code poolSize}: an integer or an array of integers (its length: 422). */
    private static void sizeType(JsonNode node, String path) {
        if (node == null) {
            return;
        }
        if (node.isNumber()) {
            whole(node, path);
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                whole(node.get(i), path + "[" + i + "]");
            }
        } else {
            throw SpecException.unreadable(
                    path, path + " must be an integer or [height, width], not " + kind(node) + ".");
        }
    }

    /**
     * The integer a JSON number holds ({@code 64} or {@code 64.0}); 400 for anything else, a fraction included (as
     * the platform reads integers everywhere). Infinity reads as a number beyond every range.
     */
    private static BigInteger whole(JsonNode node, String path) {
        if (node == null || !node.isNumber()) {
            throw SpecException.unreadable(path, path + " must be an integer, not " + kind(node) + ".");
        }
        if (node.isIntegralNumber()) {
            return node.bigIntegerValue();
        }
        BigDecimal decimal;
        if (node.isBigDecimal()) {
            decimal = node.decimalValue();
        } else {
            double d = node.doubleValue();
            if (!Double.isFinite(d)) {
                return d > 0 ? BEYOND_ANY_RANGE : BEYOND_ANY_RANGE.negate();
            }
            decimal = new BigDecimal(d);
        }
        try {
            return decimal.toBigIntegerExact();
        } catch (ArithmeticException e) {
            throw SpecException.unreadable(path, path + " must be an integer, not " + node.asText() + ".");
        }
    }

    private static int toInt(BigInteger value, String path, long min, long max) {
        if (value.bitLength() > 31) {
            throw outOfRange(path, min, max, value);
        }
        return value.intValue();
    }

    private static Integer intValue(JsonNode object, String name, String parent, long min, long max) {
        JsonNode node = member(object, name);
        return node == null ? null : toInt(whole(node, parent + "." + name), parent + "." + name, min, max);
    }

    private static Double doubleValue(JsonNode object, String name) {
        JsonNode node = member(object, name);
        return node == null ? null : node.doubleValue();
    }

    private static String textValue(JsonNode object, String name) {
        JsonNode node = member(object, name);
        return node == null ? null : node.asText();
    }

    private static String kind(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return "null";
        }
        if (node.isTextual()) {
            return "a string";
        }
        if (node.isBoolean()) {
            return "a boolean";
        }
        if (node.isArray()) {
            return "an array";
        }
        if (node.isObject()) {
            return "an object";
        }
        return "a number";
    }

    private static long times(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static long plus(long a, long b) {
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** A tenant's string in a message: quoted and cut short, so a detail never grows with the input. */
    private static String quote(String s) {
        return "'" + (s.length() > 64 ? s.substring(0, 64) + "…" : s) + "'";
    }

    private static String quoteName(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "…" : s;
    }

    private static String shown(BigInteger value) {
        if (value.abs().equals(BEYOND_ANY_RANGE)) {
            return value.signum() > 0 ? "Infinity" : "-Infinity";
        }
        String s = value.toString();
        return s.length() > 40 ? s.substring(0, 20) + "…(" + s.length() + " digits)" : s;
    }

    private static String shown(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return Double.toString(value);
    }

    private static String shown(long[] shape) {
        return "[" + java.util.Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", ")) + "]";
    }

    private static String orList(List<String> names) {
        if (names.size() == 1) {
            return names.get(0);
        }
        return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
    }
}
