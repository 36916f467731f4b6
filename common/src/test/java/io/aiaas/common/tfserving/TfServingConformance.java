package io.aiaas.common.tfserving;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Checks JSON bodies against TensorFlow Serving's REST API (tensorflow.org/tfx/serving/api_rest and the protobuf
 * messages it maps to JSON: {@code GetModelStatusResponse}, {@code GetModelMetadataResponse}), independently of the
 * code that writes them: every method returns the violations it finds, empty when the body conforms.
 *
 * <p>Rules: protobuf's JSON mapping writes int64 fields (versions, dimension sizes) as strings of digits; enums as
 * their names; a predict answer's tensors are dense (every list at one depth of equal length, values only at the
 * innermost depth), {@code {"b64": …}} values hold valid base64. Shared with other modules' tests through common's
 * test jar.
 */
public final class TfServingConformance {
    /** {@code ModelVersionStatus.State}. */
    public static final Set<String> STATES = Set.of("UNKNOWN", "START", "LOADING", "AVAILABLE", "UNLOADING", "END");

    /** {@code tensorflow.error.Code} names. */
    public static final Set<String> ERROR_CODES = Set.of(
            "OK",
            "CANCELLED",
            "UNKNOWN",
            "INVALID_ARGUMENT",
            "DEADLINE_EXCEEDED",
            "NOT_FOUND",
            "ALREADY_EXISTS",
            "PERMISSION_DENIED",
            "UNAUTHENTICATED",
            "RESOURCE_EXHAUSTED",
            "FAILED_PRECONDITION",
            "ABORTED",
            "OUT_OF_RANGE",
            "UNIMPLEMENTED",
            "INTERNAL",
            "UNAVAILABLE",
            "DATA_LOSS");

    private static final Pattern INT64 = Pattern.compile("-?[0-9]+");
    private static final Pattern DTYPE = Pattern.compile("DT_[A-Z0-9_]+");

    private TfServingConformance() {}

    /** Fails with every violation listed when there are any. */
    public static void assertConforms(String what, List<String> violations) {
        if (!violations.isEmpty()) {
            throw new AssertionError(what + " does not conform to TF Serving's REST API: " + violations);
        }
    }

    /**
     * Model status: {@code model_version_status}, a non-empty array of {@code {version: int64 string, state: one of
     * STATES, status: {error_code: one of ERROR_CODES, error_message: string}}}.
     */
    public static List<String> status(JsonNode body) {
        List<String> v = new ArrayList<>();
        if (!object(body, "status", v)) {
            return v;
        }
        JsonNode statuses = body.get("model_version_status");
        if (statuses == null || !statuses.isArray()) {
            v.add("model_version_status must be an array");
            return v;
        }
        if (statuses.isEmpty()) {
            v.add("model_version_status must list at least one version");
        }
        for (int i = 0; i < statuses.size(); i++) {
            JsonNode entry = statuses.get(i);
            String where = "model_version_status[" + i + "]";
            if (!object(entry, where, v)) {
                continue;
            }
            int64(entry.get("version"), where + ".version", v);
            JsonNode state = entry.get("state");
            if (state == null || !state.isTextual() || !STATES.contains(state.textValue())) {
                v.add(where + ".state must be one of " + STATES + ", not " + state);
            }
            JsonNode status = entry.get("status");
            if (!object(status, where + ".status", v)) {
                continue;
            }
            JsonNode code = status.get("error_code");
            if (code == null || !code.isTextual() || !ERROR_CODES.contains(code.textValue())) {
                v.add(where + ".status.error_code must be one of " + ERROR_CODES + ", not " + code);
            }
            if (!status.path("error_message").isTextual()) {
                v.add(where + ".status.error_message must be a string");
            }
        }
        return v;
    }

    /**
     * Model metadata: {@code model_spec} {@code {name: string, signature_name: string, version: int64 string}};
     * {@code metadata.signature_def.signature_def}, an object of signature definitions, each with {@code inputs} and
     * {@code outputs} objects of tensor infos ({@code dtype} a {@code DT_…} name, {@code tensor_shape {dim: [{size:
     * int64 string ≥ -1, name: string}], unknown_rank: boolean}} with no dims when the rank is unknown, {@code name}
     * string) and a {@code method_name} string.
     */
    public static List<String> metadata(JsonNode body) {
        List<String> v = new ArrayList<>();
        if (!object(body, "metadata", v)) {
            return v;
        }
        JsonNode spec = body.get("model_spec");
        if (object(spec, "model_spec", v)) {
            if (!spec.path("name").isTextual()) {
                v.add("model_spec.name must be a string");
            }
            JsonNode signatureName = spec.get("signature_name");
            if (signatureName != null && !signatureName.isTextual()) {
                v.add("model_spec.signature_name must be a string");
            }
            int64(spec.get("version"), "model_spec.version", v);
        }
        JsonNode defs = body.path("metadata").path("signature_def").path("signature_def");
        if (!defs.isObject()) {
            v.add("metadata.signature_def.signature_def must be an object");
            return v;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = defs.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> def = it.next();
            String where = "signature_def." + def.getKey();
            if (!object(def.getValue(), where, v)) {
                continue;
            }
            for (String side : List.of("inputs", "outputs")) {
                JsonNode infos = def.getValue().get(side);
                if (infos == null) {
                    continue; // protobuf's JSON may leave out an empty map
                }
                if (!object(infos, where + "." + side, v)) {
                    continue;
                }
                for (Iterator<Map.Entry<String, JsonNode>> t = infos.fields(); t.hasNext(); ) {
                    Map.Entry<String, JsonNode> info = t.next();
                    tensorInfo(info.getValue(), where + "." + side + "." + info.getKey(), v);
                }
            }
            if (!def.getValue().path("method_name").isTextual()) {
                v.add(where + ".method_name must be a string");
            }
        }
        return v;
    }

    private static void tensorInfo(JsonNode info, String where, List<String> v) {
        if (!object(info, where, v)) {
            return;
        }
        JsonNode dtype = info.get("dtype");
        if (dtype == null
                || !dtype.isTextual()
                || !DTYPE.matcher(dtype.textValue()).matches()) {
            v.add(where + ".dtype must be a DT_… name, not " + dtype);
        }
        if (!info.path("name").isTextual()) {
            v.add(where + ".name must be a string");
        }
        JsonNode shape = info.get("tensor_shape");
        if (!object(shape, where + ".tensor_shape", v)) {
            return;
        }
        JsonNode unknownRank = shape.get("unknown_rank");
        if (unknownRank != null && !unknownRank.isBoolean()) {
            v.add(where + ".tensor_shape.unknown_rank must be a boolean");
        }
        JsonNode dims = shape.get("dim");
        if (dims == null) {
            return;
        }
        if (!dims.isArray()) {
            v.add(where + ".tensor_shape.dim must be an array");
            return;
        }
        if (unknownRank != null && unknownRank.asBoolean() && !dims.isEmpty()) {
            v.add(where + ".tensor_shape has dims but an unknown rank");
        }
        for (int i = 0; i < dims.size(); i++) {
            JsonNode dim = dims.get(i);
            String at = where + ".tensor_shape.dim[" + i + "]";
            if (!object(dim, at, v)) {
                continue;
            }
            JsonNode size = dim.get("size");
            if (int64(size, at + ".size", v) && Long.parseLong(size.textValue()) < -1) {
                v.add(at + ".size must be ≥ -1, not " + size.textValue());
            }
            JsonNode name = dim.get("name");
            if (name != null && !name.isTextual()) {
                v.add(at + ".name must be a string");
            }
        }
    }

    /**
     * A row-form predict answer: {@code predictions}, an array of rows; with several outputs every row is an object
     * with the same names, each name's value of the same shape in every row; with one output every row has the same
     * shape; every tensor dense.
     */
    public static List<String> predictRow(JsonNode body) {
        List<String> v = new ArrayList<>();
        if (!object(body, "predict answer", v)) {
            return v;
        }
        JsonNode rows = body.get("predictions");
        if (rows == null || !rows.isArray()) {
            v.add("predictions must be an array");
            return v;
        }
        if (body.has("outputs")) {
            v.add("a row-form answer has predictions, not outputs");
        }
        if (rows.isEmpty()) {
            return v;
        }
        boolean named = isNamed(rows.get(0));
        Set<String> names = named ? names(rows.get(0)) : Set.of();
        Map<String, long[]> shapes = new java.util.HashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            JsonNode row = rows.get(i);
            String where = "predictions[" + i + "]";
            if (named != isNamed(row)) {
                v.add(where + " must be "
                        + (named ? "an object, as the first row" : "a value or list, as the first row"));
                continue;
            }
            if (named) {
                if (!names(row).equals(names)) {
                    v.add(where + " names " + names(row) + " but the first row names " + names);
                    continue;
                }
                for (String name : names) {
                    sameShape(row.get(name), where + "." + name, name, shapes, v);
                }
            } else {
                sameShape(row, where, "", shapes, v);
            }
        }
        return v;
    }

    /** A columnar predict answer: {@code outputs}, one dense tensor or an object of named dense tensors. */
    public static List<String> predictColumnar(JsonNode body) {
        List<String> v = new ArrayList<>();
        if (!object(body, "predict answer", v)) {
            return v;
        }
        JsonNode outputs = body.get("outputs");
        if (outputs == null || outputs.isNull()) {
            v.add("outputs is required");
            return v;
        }
        if (body.has("predictions")) {
            v.add("a columnar answer has outputs, not predictions");
        }
        if (isNamed(outputs)) {
            for (Iterator<Map.Entry<String, JsonNode>> it = outputs.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> output = it.next();
                dense(output.getValue(), "outputs." + output.getKey(), v);
            }
        } else {
            dense(outputs, "outputs", v);
        }
        return v;
    }

    /** An error body: an {@code error} string. */
    public static List<String> errorBody(JsonNode body) {
        List<String> v = new ArrayList<>();
        if (object(body, "error body", v) && !body.path("error").isTextual()) {
            v.add("error must be a string");
        }
        return v;
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    private static boolean object(JsonNode node, String where, List<String> v) {
        if (node == null || !node.isObject()) {
            v.add(where + " must be a JSON object");
            return false;
        }
        return true;
    }

    private static boolean int64(JsonNode node, String where, List<String> v) {
        if (node == null
                || !node.isTextual()
                || !INT64.matcher(node.textValue()).matches()) {
            v.add(where + " must be an int64 written as a string of digits, not " + node);
            return false;
        }
        try {
            Long.parseLong(node.textValue());
            return true;
        } catch (NumberFormatException e) {
            v.add(where + " is beyond int64");
            return false;
        }
    }

    private static boolean isB64(JsonNode node) {
        return node.isObject() && node.size() == 1 && node.path("b64").isTextual();
    }

    private static boolean isNamed(JsonNode node) {
        return node.isObject() && !isB64(node);
    }

    private static Set<String> names(JsonNode object) {
        Set<String> names = new TreeSet<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static void sameShape(
            JsonNode value, String where, String key, Map<String, long[]> shapes, List<String> v) {
        long[] shape = dense(value, where, v);
        if (shape == null) {
            return;
        }
        long[] first = shapes.putIfAbsent(key, shape);
        if (first != null && !Arrays.equals(first, shape)) {
            v.add(where + " has shape " + Arrays.toString(shape) + " but the first row's is " + Arrays.toString(first));
        }
    }

    /** The dense shape of a tensor value, or null (with a violation) when it is ragged or holds something else. */
    private static long[] dense(JsonNode value, String where, List<String> v) {
        List<Long> dims = new ArrayList<>();
        JsonNode node = value;
        while (node.isArray()) {
            dims.add((long) node.size());
            if (node.isEmpty()) {
                break;
            }
            node = node.get(0);
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        int before = v.size();
        walk(value, shape, 0, where, v);
        return v.size() == before ? shape : null;
    }

    /** Whether the value is dense with that shape; the first place it is not is a violation. */
    private static boolean walk(JsonNode node, long[] shape, int depth, String where, List<String> v) {
        if (depth == shape.length) {
            if (node.isArray()) {
                v.add(where + " is ragged: a list where a value is expected");
                return false;
            }
            if (isB64(node)) {
                try {
                    Base64.getDecoder().decode(node.get("b64").textValue());
                } catch (IllegalArgumentException e) {
                    v.add(where + " has a b64 value that is not base64");
                    return false;
                }
            } else if (!node.isNumber() && !node.isTextual() && !node.isBoolean()) {
                v.add(where + " holds " + node + ": tensor values are numbers, strings, booleans or {\"b64\": …}");
                return false;
            }
            return true;
        }
        if (!node.isArray() || node.size() != shape[depth]) {
            v.add(where + " is ragged: expected a list of " + shape[depth] + ", found " + abbreviate(node));
            return false;
        }
        for (int i = 0; i < node.size(); i++) {
            if (!walk(node.get(i), shape, depth + 1, where + "[" + i + "]", v)) {
                return false;
            }
        }
        return true;
    }

    private static String abbreviate(JsonNode node) {
        String s = node.toString();
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
