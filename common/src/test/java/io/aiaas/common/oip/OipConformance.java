package io.aiaas.common.oip;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks JSON bodies against the Open Inference Protocol v2 REST specification (kserve/open-inference-protocol,
 * {@code specification/protocol/inference_rest.md} and {@code open_inference_rest.yaml}), independently of the code
 * that writes them: every method returns the violations it finds, empty when the body conforms. Members the
 * specification does not name are allowed (it does not forbid them).
 *
 * <p>Where the prose and the YAML differ, the prose's schemas are used: {@code inputs} and {@code outputs} of model
 * metadata are required (no {@code #optional} there). Data values: BOOL takes booleans, BYTES strings, integer types
 * whole numbers within the type's range, FP types numbers or the strings {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"} (JSON has
 * no number for them; the specification lets a server coerce elements). Shared with other modules' tests through
 * common's test jar.
 */
public final class OipConformance {
    /** The datatypes of the specification's "Tensor Data Types" table. */
    public static final Set<String> DATATYPES = Set.of(
            "BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "FP32", "FP64",
            "BYTES");

    private static final Set<String> NON_FINITE = Set.of("NaN", "Infinity", "-Infinity");

    private OipConformance() {}

    /** Fails with every violation listed when there are any. */
    public static void assertConforms(String what, List<String> violations) {
        if (!violations.isEmpty()) {
            throw new AssertionError(what + " does not conform to the Open Inference Protocol: " + violations);
        }
    }

    /** {@code $metadata_server_response}: {@code name}, {@code version} strings, {@code extensions} strings. */
    public static List<String> serverMetadata(JsonNode body) {
        Violations v = new Violations();
        if (v.object(body, "server metadata")) {
            v.string(body, "name", true);
            v.string(body, "version", true);
            v.strings(body, "extensions", true);
        }
        return v.list;
    }

    /** {@code $live_server_response}: {@code live} boolean. */
    public static List<String> serverLive(JsonNode body) {
        Violations v = new Violations();
        if (v.object(body, "server live")) {
            v.bool(body, "live", true);
        }
        return v.list;
    }

    /**
     * {@code $ready_server_response}: {@code ready} boolean (the specification's schema says {@code live}, a slip
     * its KServe and Triton implementations do not follow).
     */
    public static List<String> serverReady(JsonNode body) {
        Violations v = new Violations();
        if (v.object(body, "server ready")) {
            v.bool(body, "ready", true);
        }
        return v.list;
    }

    /** {@code $ready_model_response}: {@code name} string, {@code ready} boolean ({@code version} string if any). */
    public static List<String> modelReady(JsonNode body) {
        Violations v = new Violations();
        if (v.object(body, "model ready")) {
            v.string(body, "name", true);
            v.bool(body, "ready", true);
            v.string(body, "version", false);
        }
        return v.list;
    }

    /**
     * {@code $metadata_model_response}: {@code name}, {@code platform} strings, {@code versions} strings if any,
     * {@code inputs} and {@code outputs} arrays of {@code $metadata_tensor} ({@code name}, {@code datatype} from the
     * table, {@code shape} integers ≥ -1).
     */
    public static List<String> modelMetadata(JsonNode body) {
        Violations v = new Violations();
        if (v.object(body, "model metadata")) {
            v.string(body, "name", true);
            v.strings(body, "versions", false);
            v.string(body, "platform", true);
            for (String member : List.of("inputs", "outputs")) {
                JsonNode tensors = v.array(body, member, true);
                if (tensors == null) {
                    continue;
                }
                for (int i = 0; i < tensors.size(); i++) {
                    JsonNode tensor = tensors.get(i);
                    String where = member + "[" + i + "]";
                    if (v.object(tensor, where)) {
                        v.string(tensor, "name", true, where);
                        v.datatype(tensor, where);
                        v.shape(tensor, -1, where);
                    }
                }
            }
            JsonNode parameters = body.get("parameters");
            if (parameters != null && !parameters.isObject()) {
                v.add("parameters must be an object");
            }
        }
        return v.list;
    }

    /**
     * {@code $inference_request}: {@code id} string if any, {@code parameters} if any, {@code inputs} an array of
     * {@code $request_input} (as {@link #inferenceResponse}'s outputs), {@code outputs} if any an array of {@code
     * {name, parameters?}}.
     */
    public static List<String> inferenceRequest(JsonNode body) {
        Violations v = new Violations();
        if (v.object(body, "inference request")) {
            v.string(body, "id", false);
            v.parameters(body, "");
            v.tensors(body, "inputs");
            JsonNode outputs = v.array(body, "outputs", false);
            if (outputs != null) {
                for (int i = 0; i < outputs.size(); i++) {
                    String where = "outputs[" + i + "]";
                    if (v.object(outputs.get(i), where)) {
                        v.string(outputs.get(i), "name", true, where);
                        v.parameters(outputs.get(i), where);
                    }
                }
            }
        }
        return v.list;
    }

    /**
     * {@code $inference_response}: {@code model_name} string, {@code model_version} and {@code id} strings if any,
     * {@code parameters} if any, {@code outputs} an array of {@code $response_output}: {@code name} string, {@code
     * datatype} from the table, {@code shape} integers ≥ 0, {@code parameters} if any, {@code data} an array whose
     * values (flat, or nested exactly as the shape says) number the product of the shape and fit the datatype.
     */
    public static List<String> inferenceResponse(JsonNode body) {
        Violations v = new Violations();
        if (v.object(body, "inference response")) {
            v.string(body, "model_name", true);
            v.string(body, "model_version", false);
            v.string(body, "id", false);
            v.parameters(body, "");
            v.tensors(body, "outputs");
        }
        return v.list;
    }

    /** As {@link #inferenceResponse(JsonNode)}, and {@code id} echoes the request's (absent when it had none). */
    public static List<String> inferenceResponse(JsonNode body, String requestId) {
        List<String> violations = new ArrayList<>(inferenceResponse(body));
        if (requestId != null && !requestId.equals(body.path("id").textValue())) {
            violations.add("id must echo the request's id '" + requestId + "'");
        }
        return violations;
    }

    /** {@code $inference_error_response} and the other error objects: an {@code error} string. */
    public static List<String> errorBody(JsonNode body) {
        Violations v = new Violations();
        if (v.object(body, "error body")) {
            v.string(body, "error", true);
        }
        return v.list;
    }

    /** Collects violations, with the small type checks every schema is made of. */
    private static final class Violations {
        final List<String> list = new ArrayList<>();

        void add(String violation) {
            list.add(violation);
        }

        boolean object(JsonNode node, String where) {
            if (node == null || !node.isObject()) {
                add(where + " must be a JSON object");
                return false;
            }
            return true;
        }

        private static String at(String where, String member) {
            return where.isEmpty() ? member : where + "." + member;
        }

        void string(JsonNode node, String member, boolean required) {
            string(node, member, required, "");
        }

        void string(JsonNode node, String member, boolean required, String where) {
            JsonNode value = node.get(member);
            if (value == null) {
                if (required) {
                    add(at(where, member) + " is required");
                }
            } else if (!value.isTextual()) {
                add(at(where, member) + " must be a string");
            }
        }

        void bool(JsonNode node, String member, boolean required) {
            JsonNode value = node.get(member);
            if (value == null) {
                if (required) {
                    add(member + " is required");
                }
            } else if (!value.isBoolean()) {
                add(member + " must be a boolean");
            }
        }

        JsonNode array(JsonNode node, String member, boolean required) {
            JsonNode value = node.get(member);
            if (value == null) {
                if (required) {
                    add(member + " is required");
                }
                return null;
            }
            if (!value.isArray()) {
                add(member + " must be an array");
                return null;
            }
            return value;
        }

        void strings(JsonNode node, String member, boolean required) {
            JsonNode array = array(node, member, required);
            if (array != null) {
                for (int i = 0; i < array.size(); i++) {
                    if (!array.get(i).isTextual()) {
                        add(member + "[" + i + "] must be a string");
                    }
                }
            }
        }

        void datatype(JsonNode tensor, String where) {
            JsonNode datatype = tensor.get("datatype");
            if (datatype == null) {
                add(at(where, "datatype") + " is required");
            } else if (!datatype.isTextual() || !DATATYPES.contains(datatype.textValue())) {
                add(at(where, "datatype") + " must be one of " + DATATYPES + ", not " + datatype);
            }
        }

        /** The shape's dimensions, or null when it is not an array of integers ≥ {@code min}. */
        long[] shape(JsonNode tensor, long min, String where) {
            JsonNode shape = tensor.get("shape");
            if (shape == null) {
                add(at(where, "shape") + " is required");
                return null;
            }
            if (!shape.isArray()) {
                add(at(where, "shape") + " must be an array");
                return null;
            }
            long[] dims = new long[shape.size()];
            boolean ok = true;
            for (int i = 0; i < shape.size(); i++) {
                JsonNode d = shape.get(i);
                if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < min) {
                    add(at(where, "shape") + "[" + i + "] must be an integer ≥ " + min + ", not " + d);
                    ok = false;
                } else {
                    dims[i] = d.longValue();
                }
            }
            return ok ? dims : null;
        }

        void parameters(JsonNode node, String where) {
            JsonNode parameters = node.get("parameters");
            if (parameters == null) {
                return;
            }
            if (!parameters.isObject()) {
                add(at(where, "parameters") + " must be an object");
                return;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = parameters.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> p = it.next();
                JsonNode value = p.getValue();
                if (!value.isTextual() && !value.isNumber() && !value.isBoolean()) {
                    add(at(where, "parameters") + "." + p.getKey() + " must be a string, number or boolean");
                }
            }
        }

        /** {@code $request_input} / {@code $response_output} items of an array member. */
        void tensors(JsonNode body, String member) {
            JsonNode tensors = array(body, member, true);
            if (tensors == null) {
                return;
            }
            for (int i = 0; i < tensors.size(); i++) {
                JsonNode tensor = tensors.get(i);
                String where = member + "[" + i + "]";
                if (!object(tensor, where)) {
                    continue;
                }
                string(tensor, "name", true, where);
                datatype(tensor, where);
                long[] shape = shape(tensor, 0, where);
                parameters(tensor, where);
                JsonNode data = tensor.get("data");
                if (data == null) {
                    add(at(where, "data") + " is required");
                    continue;
                }
                if (!data.isArray()) {
                    add(at(where, "data") + " must be an array");
                    continue;
                }
                String datatype = tensor.path("datatype").asText();
                checkData(data, shape, DATATYPES.contains(datatype) ? datatype : null, at(where, "data"));
            }
        }

        private void checkData(JsonNode data, long[] shape, String datatype, String where) {
            boolean nested = false;
            for (JsonNode element : data) {
                if (element.isArray()) {
                    nested = true;
                    break;
                }
            }
            List<JsonNode> leaves = new ArrayList<>();
            int before = list.size();
            collect(data, leaves, where);
            boolean scalars = list.size() == before;
            if (shape != null) {
                BigInteger expected = BigInteger.ONE;
                for (long d : shape) {
                    expected = expected.multiply(BigInteger.valueOf(d));
                }
                if (!expected.equals(BigInteger.valueOf(leaves.size()))) {
                    add(where + " has " + leaves.size() + " values, but the shape's product is " + expected);
                } else if (nested && !follows(data, shape, 0)) {
                    add(where + " is nested, but not as the shape says");
                }
            }
            if (datatype != null && scalars) {
                for (int i = 0; i < leaves.size(); i++) {
                    if (!fits(leaves.get(i), datatype)) {
                        add(where + " value " + i + " (" + leaves.get(i) + ") is not a " + datatype + " value");
                        return;
                    }
                }
            }
        }

        private void collect(JsonNode node, List<JsonNode> into, String where) {
            if (node.isArray()) {
                for (JsonNode child : node) {
                    collect(child, into, where);
                }
            } else {
                if (!node.isNumber() && !node.isTextual() && !node.isBoolean()) {
                    add(where + " holds " + node + ": tensor data are numbers, strings, booleans or arrays of them");
                }
                into.add(node);
            }
        }

        private static boolean follows(JsonNode node, long[] shape, int dim) {
            if (dim == shape.length) {
                return !node.isArray();
            }
            if (!node.isArray() || node.size() != shape[dim]) {
                return false;
            }
            for (JsonNode child : node) {
                if (!follows(child, shape, dim + 1)) {
                    return false;
                }
            }
            return true;
        }

        private static boolean fits(JsonNode value, String datatype) {
            return switch (datatype) {
                case "BOOL" -> value.isBoolean();
                case "BYTES" -> value.isTextual();
                case "FP16", "FP32", "FP64" -> value.isNumber()
                        || (value.isTextual() && NON_FINITE.contains(value.textValue()));
                default -> (value.isIntegralNumber() || (value.isNumber() && isWhole(value)))
                        && inRange(value.decimalValue().toBigInteger(), datatype);
            };
        }

        private static boolean inRange(BigInteger value, String datatype) {
            boolean unsigned = datatype.startsWith("U");
            int bits = Integer.parseInt(datatype.substring(unsigned ? 4 : 3));
            BigInteger min = unsigned
                    ? BigInteger.ZERO
                    : BigInteger.ONE.shiftLeft(bits - 1).negate();
            BigInteger max = unsigned
                    ? BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
                    : BigInteger.ONE.shiftLeft(bits - 1).subtract(BigInteger.ONE);
            return value.compareTo(min) >= 0 && value.compareTo(max) <= 0;
        }

        private static boolean isWhole(JsonNode value) {
            double d = value.doubleValue();
            return Double.isFinite(d) && d == Math.rint(d);
        }
    }
}
