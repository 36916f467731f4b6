package io.aiaas.common.tfserving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import io.aiaas.common.json.Json;
import io.aiaas.common.oip.Datatype;
import io.aiaas.common.oip.InputTensor;
import io.aiaas.common.oip.InvalidInputException;
import io.aiaas.common.oip.RequestInput;
import io.aiaas.common.oip.Signature;
import io.aiaas.common.oip.TensorSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads TensorFlow Serving's REST predict body: {@code {"signature_name"?, "instances": […]}} (row form) or
 * {@code {"signature_name"?, "inputs": …}} (columnar form). TF Serving bodies carry no datatypes or shapes: datatypes
 * come from the signature, shapes from how the values nest. The values themselves are then checked by the one input
 * check of the platform ({@link TfServingRequest#tensors}, i.e. {@link io.aiaas.common.oip.SignatureInputs#decode}).
 *
 * <p>Written here rather than with a library: no Java library reads this format (TF Serving's own reader is C++ in
 * its server).
 */
public final class TfServingRequests {
    public static final String INSTANCES = "instances";
    public static final String INPUTS = "inputs";
    public static final String SIGNATURE_NAME = "signature_name";
    private static final String B64 = "b64";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Accepts TF Serving's bare {@code NaN}, {@code Infinity} and {@code -Infinity} tokens (Python's json writes them). */
    private static final ObjectReader READER = Json.mapper().reader().with(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS);

    private TfServingRequests() {}

    /**
     * Parses a predict body as TF Serving does: JSON plus the tokens {@code NaN}, {@code Infinity}, {@code -Infinity}.
     *
     * @throws InvalidInputException unreadable when it is not JSON
     */
    public static JsonNode parse(byte[] body) {
        try {
            JsonNode node = READER.readTree(body);
            if (node == null || node.isMissingNode()) {
                throw InvalidInputException.unreadable("JSON Parse error: The document is empty.");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw InvalidInputException.unreadable("JSON Parse error: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw InvalidInputException.unreadable("The request body cannot be read.");
        }
    }

    /**
     * The body's {@code signature_name}, or null when absent, null or empty (TF Serving then uses the default).
     *
     * @throws InvalidInputException unreadable when the body is not an object or the name not a string
     */
    public static String signatureName(JsonNode body) {
        requireObject(body);
        JsonNode name = body.get(SIGNATURE_NAME);
        if (name == null || name.isNull()) {
            return null;
        }
        if (!name.isTextual()) {
            throw InvalidInputException.unreadable("'" + SIGNATURE_NAME + "' must be a string.");
        }
        return name.textValue().isEmpty() ? null : name.textValue();
    }

    /**
     * The inputs of a predict body for a signature, shapes inferred from nesting.
     *
     * <p>Row form ({@code instances}, a non-empty list): with one input each instance is that input's value (or an
     * object {@code {name: value}}); with several each instance is an object naming every input once. Every instance
     * of an input must have the same shape; the input is their stack, shape {@code [instances, …]}. Columnar form
     * ({@code inputs}): with one input its tensor (or an object {@code {name: tensor}}); with several an object naming
     * every input. A BYTES value may be {@code {"b64": "<base64>"}} for arbitrary bytes. Non-finite numbers
     * ({@code NaN}, {@code ±Infinity} tokens, as {@link #parse} reads them) in FP32/FP64 inputs stand for those values;
     * a literal beyond the double range reads as infinity too, as a bare {@code Infinity} token (Jackson cannot tell
     * the two apart).
     *
     * <p>The body's tree is changed in place where {@code b64} objects and non-finite numbers are replaced.
     *
     * @param signatureName the name of {@code signature} (for messages)
     * @throws InvalidInputException unreadable when the body's form is wrong (not an object, neither or both of
     *     {@code instances} and {@code inputs}, {@code instances} not a non-empty list); a mismatch for inputs that do
     *     not fit the signature (missing, unknown, ragged, instances of different shapes, bad base64, a type the
     *     platform cannot feed)
     */
    public static TfServingRequest decode(JsonNode body, String signatureName, Signature signature) {
        requireObject(body);
        boolean hasInstances = body.has(INSTANCES);
        boolean hasInputs = body.has(INPUTS);
        if (hasInstances && hasInputs) {
            throw InvalidInputException.unreadable(
                    "Not formatted correctly: expecting only one of 'inputs' or 'instances' keys to exist.");
        }
        if (!hasInstances && !hasInputs) {
            throw InvalidInputException.unreadable("Missing 'inputs' or 'instances' key.");
        }
        List<TensorSpec> specs = signature.inputs();
        if (specs.isEmpty()) {
            throw InvalidInputException.mismatch("Signature '" + signatureName + "' takes no inputs to predict on.");
        }
        for (TensorSpec spec : specs) {
            if (spec.datatype() == null) {
                throw InvalidInputException.mismatch("Input '" + spec.name()
                        + "' has a TensorFlow type the platform cannot feed; the model cannot be served.");
            }
        }
        List<RequestInput> inputs = hasInstances
                ? rows(body.get(INSTANCES), signatureName, specs)
                : columns(body.get(INPUTS), signatureName, specs);
        return new TfServingRequest(inputs, hasInputs);
    }

    /** {@link #decode} then {@link TfServingRequest#tensors}: the typed tensors a predict body holds. */
    public static List<InputTensor> decodeTensors(JsonNode body, String signatureName, Signature signature) {
        return decode(body, signatureName, signature).tensors(signatureName, signature);
    }

    private static void requireObject(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw InvalidInputException.unreadable(
                    "The request body must be a JSON object with 'instances' or 'inputs'.");
        }
    }

    // ---- row form --------------------------------------------------------------------------------------------------

    private static List<RequestInput> rows(JsonNode instances, String signatureName, List<TensorSpec> specs) {
        if (!instances.isArray()) {
            throw InvalidInputException.unreadable("Expecting 'instances' to be a list.");
        }
        if (instances.isEmpty()) {
            throw InvalidInputException.unreadable("No values in 'instances' list.");
        }
        boolean named = isNamedObject(instances.get(0));
        if (!named && specs.size() > 1) {
            throw InvalidInputException.mismatch("'instances' is a plain list, but signature '" + signatureName
                    + "' has several inputs " + names(specs) + ": give each instance as an object naming each.");
        }
        int n = instances.size();
        List<ArrayNode> stacks = new ArrayList<>(specs.size());
        List<long[]> shapes = new ArrayList<>(specs.size());
        for (int s = 0; s < specs.size(); s++) {
            stacks.add(NODES.arrayNode(n));
            shapes.add(null);
        }
        for (int i = 0; i < n; i++) {
            JsonNode instance = instances.get(i);
            if (named != isNamedObject(instance)) {
                throw InvalidInputException.mismatch(
                        named
                                ? "Expecting an object but got a value or list at item " + i + " of 'instances'."
                                : "Expecting a value or list but got an object at item " + i + " of 'instances'.");
            }
            if (named) {
                checkNames(instance, signatureName, specs, "element " + i + " of 'instances'");
            }
            for (int s = 0; s < specs.size(); s++) {
                TensorSpec spec = specs.get(s);
                JsonNode value = named ? instance.get(spec.name()) : instance;
                String where = spec.name() + "' in element " + i + " of 'instances";
                long[] shape = shapeOf(value, where);
                value = normalise(value, spec.datatype(), where);
                if (shapes.get(s) == null) {
                    shapes.set(s, shape);
                } else if (!java.util.Arrays.equals(shapes.get(s), shape)) {
                    throw InvalidInputException.mismatch("Failed to process element: " + i + " of 'instances' list: "
                            + "input '" + spec.name() + "' expecting shape " + java.util.Arrays.toString(shapes.get(s))
                            + " but got " + java.util.Arrays.toString(shape) + " (every instance must have the same"
                            + " shape; use the columnar 'inputs' form for inputs of other sizes).");
                }
                stacks.get(s).add(value);
            }
        }
        List<RequestInput> inputs = new ArrayList<>(specs.size());
        for (int s = 0; s < specs.size(); s++) {
            long[] one = shapes.get(s);
            List<Long> shape = new ArrayList<>(one.length + 1);
            shape.add((long) n);
            for (long d : one) {
                shape.add(d);
            }
            TensorSpec spec = specs.get(s);
            inputs.add(new RequestInput(spec.name(), shape, spec.datatype().name(), null, stacks.get(s)));
        }
        return inputs;
    }

    // ---- columnar form ---------------------------------------------------------------------------------------------

    private static List<RequestInput> columns(JsonNode value, String signatureName, List<TensorSpec> specs) {
        if (value == null || value.isNull()) {
            throw InvalidInputException.unreadable("'inputs' must be a tensor or an object of named tensors.");
        }
        boolean named = isNamedObject(value);
        if (!named && specs.size() > 1) {
            throw InvalidInputException.mismatch("'inputs' is a plain value or list, but signature '" + signatureName
                    + "' has several inputs " + names(specs) + ": give an object naming each.");
        }
        if (named) {
            checkNames(value, signatureName, specs, "'inputs'");
        }
        List<RequestInput> inputs = new ArrayList<>(specs.size());
        for (TensorSpec spec : specs) {
            JsonNode tensor = named ? value.get(spec.name()) : value;
            String where = spec.name() + "' in 'inputs";
            long[] shape = shapeOf(tensor, where);
            tensor = normalise(tensor, spec.datatype(), where);
            List<Long> dims = new ArrayList<>(shape.length);
            for (long d : shape) {
                dims.add(d);
            }
            inputs.add(new RequestInput(spec.name(), dims, spec.datatype().name(), null, tensor));
        }
        return inputs;
    }

    // ---- shared ----------------------------------------------------------------------------------------------------

    /** An object that names inputs, as opposed to a {@code {"b64": …}} value. */
    private static boolean isNamedObject(JsonNode node) {
        return node.isObject() && !isB64(node);
    }

    /** TF Serving's binary value: an object with the one member {@code b64}, a string. */
    private static boolean isB64(JsonNode node) {
        return node.isObject() && node.size() == 1 && node.path(B64).isTextual();
    }

    private static void checkNames(JsonNode object, String signatureName, List<TensorSpec> specs, String where) {
        Set<String> expected = new HashSet<>();
        for (TensorSpec spec : specs) {
            expected.add(spec.name());
        }
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!expected.contains(key)) {
                throw InvalidInputException.mismatch("Failed to process " + where + ": signature '" + signatureName
                        + "' has no input '" + abbreviate(key) + "'; its inputs are " + names(specs) + ".");
            }
        }
        for (TensorSpec spec : specs) {
            if (!object.has(spec.name())) {
                throw InvalidInputException.mismatch("Failed to process " + where + ": missing named input '"
                        + spec.name() + "' of signature '" + signatureName + "'.");
            }
        }
    }

    /**
     * The dense shape the value's nesting has: each dimension is the length of the first list at that depth, and
     * every list at that depth must have that length, with values only at the innermost depth.
     */
    private static long[] shapeOf(JsonNode value, String where) {
        List<Long> dims = new ArrayList<>();
        JsonNode node = value;
        while (node.isArray()) {
            dims.add((long) node.size());
            if (node.isEmpty()) {
                break;
            }
            node = node.get(0);
        }
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = dims.get(i);
        }
        checkDense(value, shape, 0, new StringBuilder(), where);
        return shape;
    }

    private static void checkDense(JsonNode node, long[] shape, int depth, StringBuilder path, String where) {
        if (depth == shape.length) {
            if (node.isArray()) {
                throw ragged(where, path, "a list where the first element's nesting has a value (depth " + depth + ")");
            }
            return;
        }
        if (!node.isArray()) {
            throw ragged(
                    where,
                    path,
                    "the value " + abbreviate(node.toString()) + " at depth " + depth
                            + " where the first element's nesting has a list of " + shape[depth]);
        }
        if (node.size() != shape[depth]) {
            throw ragged(
                    where,
                    path,
                    "a list of " + node.size() + " at depth " + depth + " where the first list at" + " that depth has "
                            + shape[depth]);
        }
        int mark = path.length();
        for (int i = 0; i < node.size(); i++) {
            path.append('[').append(i).append(']');
            checkDense(node.get(i), shape, depth + 1, path, where);
            path.setLength(mark);
        }
    }

    private static InvalidInputException ragged(String where, StringBuilder path, String found) {
        return InvalidInputException.mismatch(
                "Input '" + where + "' is not a dense tensor: at " + (path.length() == 0 ? "its top" : path.toString())
                        + " it has " + found + ". Every list at one depth must have the same length.");
    }

    /**
     * The value with TF Serving's spellings replaced by what {@link InputTensor#decode} reads: {@code {"b64": …}} in
     * BYTES inputs by the decoded bytes, non-finite numbers in FP32/FP64 inputs by {@code "NaN"}/{@code "Infinity"}/
     * {@code "-Infinity"}. Arrays are changed in place; the (possibly new) value is returned.
     */
    private static JsonNode normalise(JsonNode value, Datatype datatype, String where) {
        if (datatype != Datatype.BYTES && datatype != Datatype.FP32 && datatype != Datatype.FP64) {
            return value;
        }
        if (value.isArray()) {
            ArrayNode array = (ArrayNode) value;
            for (int i = 0; i < array.size(); i++) {
                JsonNode child = array.get(i);
                JsonNode replaced = normalise(child, datatype, where);
                if (replaced != child) {
                    array.set(i, replaced);
                }
            }
            return array;
        }
        if (datatype == Datatype.BYTES) {
            if (isB64(value)) {
                try {
                    return BinaryNode.valueOf(
                            Base64.getDecoder().decode(value.get(B64).textValue()));
                } catch (IllegalArgumentException e) {
                    throw InvalidInputException.mismatch(
                            "Input '" + where + "' has a 'b64' value that is not valid base64 (RFC 4648).");
                }
            }
            return value;
        }
        if ((value.isDouble() || value.isFloat()) && !Double.isFinite(value.doubleValue())) {
            double d = value.doubleValue();
            return TextNode.valueOf(Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
        }
        return value;
    }

    private static List<String> names(List<TensorSpec> specs) {
        return specs.stream().map(TensorSpec::name).toList();
    }

    private static String abbreviate(String s) {
        String cleaned = s.replaceAll("[^\\x20-\\x7e]", "?");
        return cleaned.length() > 40 ? cleaned.substring(0, 40) + "…" : cleaned;
    }
}
