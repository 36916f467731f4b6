package io.aiaas.common.tfserving;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aiaas.common.json.Json;
import io.aiaas.common.oip.InvalidInputException;
import io.aiaas.common.oip.Signature;
import io.aiaas.common.oip.TensorSpec;
import io.aiaas.common.predict.OutputTensor;
import io.aiaas.common.predict.ServingModel;
import io.aiaas.common.predict.ServingModel.ServingVersion;
import io.aiaas.common.predict.TensorJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * TensorFlow Serving's REST answers: predict ({@code predictions} or {@code outputs}), model status and model
 * metadata, as TF Serving writes them (versions and int64 sizes as strings, as protobuf's JSON mapping does).
 *
 * <p>Differences from TF Serving, on purpose: non-finite floats are the strings {@code "NaN"}, {@code "Infinity"},
 * {@code "-Infinity"} (TF Serving writes bare tokens no strict JSON parser reads); a BYTES output is a string when it
 * is valid UTF-8 and {@code {"b64": …}} otherwise (TF Serving decides only by a {@code _bytes} name suffix, which is
 * honoured too: such outputs are always {@code {"b64": …}}).
 */
public final class TfServingResponses {
    public static final String PREDICT_METHOD = "tensorflow/serving/predict";
    private static final String BYTES_SUFFIX = "_bytes";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private TfServingResponses() {}

    /**
     * The predict answer as a tree. See {@link #writePredict}.
     *
     * @throws InvalidInputException as {@link #writePredict} does
     */
    public static JsonNode predict(List<OutputTensor> outputs, boolean columnar) {
        // Read back from the bytes so the tree holds what a client parses (doubles, not Java floats).
        return readTree(predictBytes(outputs, columnar));
    }

    static JsonNode readTree(byte[] json) {
        try {
            return Json.mapper().readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The predict answer as UTF-8 JSON bytes: the form to send, written without a tree.
     *
     * @throws InvalidInputException as {@link #writePredict} does
     */
    public static byte[] predictBytes(List<OutputTensor> outputs, boolean columnar) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(estimate(outputs));
        try (JsonGenerator gen = Json.mapper().getFactory().createGenerator(out)) {
            writePredict(gen, outputs, columnar);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Writes the predict answer. Row form (the request used {@code instances}): {@code {"predictions": [row…]}}, with
     * one output each row its value nested as the output's remaining dimensions say, with several each row an object
     * {@code {name: value}}. Columnar form: {@code {"outputs": tensor}} with one output, {@code {"outputs": {name:
     * tensor}}} with several.
     *
     * <p>The row form needs every output to have a first dimension, the same for all: as TF Serving, an answer
     * without one is refused (before anything is written) rather than changed into another form.
     *
     * @throws InvalidInputException a mismatch (TF Serving answers 400) when the outputs cannot be given in rows
     * @throws IllegalArgumentException when an output's values do not fill its shape
     */
    public static void writePredict(JsonGenerator gen, List<OutputTensor> outputs, boolean columnar)
            throws IOException {
        checkPredict(outputs, columnar);
        TensorJson values = new TensorJson(gen);
        gen.writeStartObject();
        if (columnar) {
            gen.writeFieldName("outputs");
            if (outputs.size() == 1) {
                values.writeNested(outputs.get(0), bytesStyle(outputs.get(0)));
            } else {
                gen.writeStartObject();
                for (OutputTensor output : outputs) {
                    gen.writeFieldName(output.name());
                    values.writeNested(output, bytesStyle(output));
                }
                gen.writeEndObject();
            }
        } else {
            gen.writeFieldName("predictions");
            long rows = outputs.isEmpty() ? 0 : outputs.get(0).shape()[0];
            gen.writeStartArray(null, (int) rows);
            for (long row = 0; row < rows; row++) {
                if (outputs.size() == 1) {
                    values.writeRow(outputs.get(0), row, bytesStyle(outputs.get(0)));
                } else {
                    gen.writeStartObject();
                    for (OutputTensor output : outputs) {
                        gen.writeFieldName(output.name());
                        values.writeRow(output, row, bytesStyle(output));
                    }
                    gen.writeEndObject();
                }
            }
            gen.writeEndArray();
        }
        gen.writeEndObject();
    }

    private static void checkPredict(List<OutputTensor> outputs, boolean columnar) {
        for (OutputTensor output : outputs) {
            TensorJson.check(output);
        }
        if (columnar || outputs.isEmpty()) {
            return;
        }
        OutputTensor first = outputs.get(0);
        for (OutputTensor output : outputs) {
            if (output.shape().length == 0) {
                throw InvalidInputException.mismatch("Output '" + output.name() + "' is a scalar, which has no rows to"
                        + " give as 'predictions'; send the request in the columnar form ('inputs') instead.");
            }
            if (output.shape()[0] != first.shape()[0]) {
                throw InvalidInputException.mismatch("Output '" + output.name() + "' has inconsistent batch size "
                        + output.shape()[0] + ", expecting " + first.shape()[0] + " (of '" + first.name()
                        + "'): the row form ('instances') needs every output to share its first dimension; send the"
                        + " request in the columnar form ('inputs') instead.");
            }
        }
    }

    private static TensorJson.Bytes bytesStyle(OutputTensor output) {
        return output.name().endsWith(BYTES_SUFFIX) ? TensorJson.Bytes.B64 : TensorJson.Bytes.TEXT_OR_B64;
    }

    /** A first guess of the answer's size, so the buffer rarely grows: about 12 characters a value. */
    private static int estimate(List<OutputTensor> outputs) {
        long n = 64;
        for (OutputTensor output : outputs) {
            n += 12L * java.lang.reflect.Array.getLength(output.values()) + 32;
        }
        return (int) Math.min(n, 1 << 24);
    }

    /**
     * Model status: {@code {"model_version_status": [{"version": "3", "state": "AVAILABLE", "status": {"error_code":
     * "OK", "error_message": ""}}]}}; every version (newest first, as TF Serving lists them) when {@code
     * versionOrNull} is null, else that one. Every stored version is served on demand, so each is {@code AVAILABLE}.
     *
     * @throws IllegalArgumentException when the model has no such version (the caller answers 404 before)
     */
    public static JsonNode status(ServingModel model, Integer versionOrNull) {
        List<ServingVersion> versions;
        if (versionOrNull == null) {
            versions = new ArrayList<>(model.versions());
            versions.sort(Comparator.comparingInt(ServingVersion::version).reversed());
        } else {
            versions = List.of(model.version(versionOrNull)
                    .orElseThrow(() -> new IllegalArgumentException(
                            "model " + model.name() + " has no version " + versionOrNull)));
        }
        ObjectNode body = NODES.objectNode();
        ArrayNode statuses = body.putArray("model_version_status");
        for (ServingVersion version : versions) {
            ObjectNode entry = statuses.addObject();
            entry.put("version", Integer.toString(version.version()));
            entry.put("state", "AVAILABLE");
            ObjectNode status = entry.putObject("status");
            status.put("error_code", "OK");
            status.put("error_message", "");
        }
        return body;
    }

    /**
     * Model metadata as TF Serving's {@code GetModelMetadataResponse} in JSON: {@code model_spec} and the version's
     * {@code signature_def} map, every callable signature (sorted by name) with its inputs and outputs as {@code
     * TensorInfo}s. A tensor's {@code name} is its signature key (the graph's tensor names are not stored); a type the
     * platform cannot feed is {@code DT_INVALID}; an unknown rank is {@code {"dim": [], "unknown_rank": true}}.
     */
    public static JsonNode metadata(ServingModel model, ServingVersion version) {
        ObjectNode body = NODES.objectNode();
        ObjectNode spec = body.putObject("model_spec");
        spec.put("name", model.name());
        spec.put("signature_name", "");
        spec.put("version", Integer.toString(version.version()));
        ObjectNode defs = body.putObject("metadata").putObject("signature_def").putObject("signature_def");
        for (Map.Entry<String, Signature> entry : new TreeMap<>(version.signatures()).entrySet()) {
            if (!Signature.callable(entry.getKey())) {
                continue;
            }
            ObjectNode def = defs.putObject(entry.getKey());
            tensorInfos(def.putObject("inputs"), entry.getValue().inputs());
            tensorInfos(def.putObject("outputs"), entry.getValue().outputs());
            def.put("method_name", PREDICT_METHOD);
        }
        return body;
    }

    private static void tensorInfos(ObjectNode into, List<TensorSpec> specs) {
        for (TensorSpec spec : specs) {
            ObjectNode info = into.putObject(spec.name());
            info.put(
                    "dtype",
                    spec.datatype() == null ? "DT_INVALID" : spec.datatype().tensorflowName());
            ObjectNode shape = info.putObject("tensor_shape");
            ArrayNode dims = shape.putArray("dim");
            if (spec.shape() != null) {
                for (Long d : spec.shape()) {
                    ObjectNode dim = dims.addObject();
                    dim.put("size", Long.toString(d));
                    dim.put("name", "");
                }
            }
            shape.put("unknown_rank", spec.shape() == null);
            info.put("name", spec.name());
        }
    }
}
