package io.aiaas.common.oip;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aiaas.common.json.Json;
import io.aiaas.common.predict.OutputTensor;
import io.aiaas.common.predict.ServingModel;
import io.aiaas.common.predict.ServingModel.ServingVersion;
import io.aiaas.common.predict.TensorJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Array;
import java.util.List;
import java.util.Map;

/**
 * The Open Inference Protocol v2 REST bodies the platform answers with: server metadata, liveness and readiness,
 * model metadata and readiness, and inference responses.
 */
public final class OipBodies {
    /** The server's name in {@code GET /v2}. */
    public static final String SERVER_NAME = "aiaas";

    /** The platform of every model: a SavedModel (the protocol's "Platforms" list). */
    public static final String PLATFORM = "tensorflow_savedmodel";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private OipBodies() {}

    /** {@code GET /v2}: {@code {"name": "aiaas", "version": …, "extensions": []}}. */
    public static JsonNode serverMetadata(String version) {
        ObjectNode body = NODES.objectNode();
        body.put("name", SERVER_NAME);
        body.put("version", version);
        body.putArray("extensions");
        return body;
    }

    /** {@code GET /v2/health/live}: {@code {"live": …}}. */
    public static JsonNode live(boolean live) {
        return NODES.objectNode().put("live", live);
    }

    /** {@code GET /v2/health/ready}: {@code {"ready": …}}. */
    public static JsonNode serverReady(boolean ready) {
        return NODES.objectNode().put("ready", ready);
    }

    /** {@code GET /v2/models/{name}[/versions/{v}]/ready}: {@code {"name", "version"?, "ready"}}. */
    public static JsonNode ready(String modelName, Integer versionOrNull, boolean ready) {
        ObjectNode body = NODES.objectNode();
        body.put("name", modelName);
        if (versionOrNull != null) {
            body.put("version", Integer.toString(versionOrNull));
        }
        body.put("ready", ready);
        return body;
    }

    /**
     * {@code GET /v2/models/{name}[/versions/{v}]}: {@code {"name", "versions", "platform", "inputs", "outputs",
     * "parameters": {"signatures": […], "signature_name"?}}}.
     *
     * <p>Without a version it describes the default version ({@link ServingModel#defaultVersion()}) and lists every
     * version in {@code versions}; with one it describes that version and lists only it. The tensors are those of the
     * signature a call without {@code signature_name} runs ({@link Signature#choose} with none); {@code
     * parameters.signature_name} names it. A model whose version has several signatures and no {@code
     * serving_default} has no such signature: then {@code inputs} and {@code outputs} are empty and no {@code
     * signature_name} is given, and {@code parameters.signatures} lists what a call must choose from. A shape of
     * unknown rank is {@code [-1]} (the protocol's shape cannot say "any rank"); a tensor of a TensorFlow type the
     * platform cannot feed has the datatype {@code "UNSUPPORTED"}.
     *
     * @param platform the {@code platform} member; null for {@link #PLATFORM}
     */
    public static JsonNode modelMetadata(ServingModel model, ServingVersion versionOrNull, String platform) {
        ServingVersion described =
                versionOrNull != null ? versionOrNull : model.defaultVersion().orElse(null);
        ObjectNode body = NODES.objectNode();
        body.put("name", model.name());
        ArrayNode versions = body.putArray("versions");
        if (versionOrNull != null) {
            versions.add(Integer.toString(versionOrNull.version()));
        } else {
            for (ServingVersion v : model.versions()) {
                versions.add(Integer.toString(v.version()));
            }
        }
        body.put("platform", platform == null ? PLATFORM : platform);
        ArrayNode inputs = body.putArray("inputs");
        ArrayNode outputs = body.putArray("outputs");
        ObjectNode parameters = body.putObject("parameters");
        ArrayNode signatures = parameters.putArray("signatures");
        if (described == null) {
            return body;
        }
        described.signatures().keySet().stream()
                .filter(Signature::callable)
                .sorted()
                .forEach(signatures::add);
        String chosen;
        try {
            chosen = Signature.choose(described.signatures(), null);
        } catch (InvalidInputException noDefault) {
            return body;
        }
        parameters.put("signature_name", chosen);
        Signature signature = described.signatures().get(chosen);
        describe(inputs, signature.inputs());
        describe(outputs, signature.outputs());
        return body;
    }

    private static void describe(ArrayNode into, List<TensorSpec> specs) {
        for (TensorSpec spec : specs) {
            ObjectNode tensor = into.addObject();
            tensor.put("name", spec.name());
            tensor.put(
                    "datatype",
                    spec.datatype() == null ? "UNSUPPORTED" : spec.datatype().name());
            ArrayNode shape = tensor.putArray("shape");
            if (spec.shape() == null) {
                shape.add(-1);
            } else {
                for (long d : spec.shape()) {
                    // as an int where it fits: the node then equals what a client parses from the text
                    if (d == (int) d) {
                        shape.add((int) d);
                    } else {
                        shape.add(d);
                    }
                }
            }
        }
    }

    /**
     * An inference response as a tree. See {@link #writeInferResponse}; {@link #inferResponseBytes} is the cheaper
     * form to send.
     */
    public static JsonNode inferResponse(String modelName, int version, String id, List<OutputTensor> outputs) {
        // Read back from the bytes so the tree holds what a client parses (doubles, not Java floats).
        try {
            return Json.mapper().readTree(inferResponseBytes(modelName, version, id, outputs));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An inference response as UTF-8 JSON bytes, written without a tree. */
    public static byte[] inferResponseBytes(String modelName, int version, String id, List<OutputTensor> outputs) {
        return inferResponseBytes(modelName, version, id, null, outputs);
    }

    /** As {@link #inferResponseBytes(String, int, String, List)}, with response {@code parameters}. */
    public static byte[] inferResponseBytes(
            String modelName, int version, String id, Map<String, ?> parameters, List<OutputTensor> outputs) {
        long values = 0;
        for (OutputTensor output : outputs) {
            values += output.values() == null ? 0 : Array.getLength(output.values());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(128 + 12 * values, 1 << 24));
        try (JsonGenerator gen = Json.mapper().getFactory().createGenerator(out)) {
            writeInferResponse(gen, modelName, version, id, parameters, outputs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Writes {@code {"model_name", "model_version", "id"?, "parameters"?, "outputs": [{"name", "datatype", "shape",
     * "data"}]}}: {@code id} only when the request gave one, {@code data} flat in row-major order. BYTES values are
     * strings (bytes that are not UTF-8 are written with U+FFFD for what cannot be decoded: the protocol's JSON has no
     * binary form); FP32/FP64 values are numbers, and the non-finite ones the strings {@code "NaN"}, {@code
     * "Infinity"}, {@code "-Infinity"} ({@link InputTensor} reads them back).
     *
     * @param parameters response parameters (string, number or boolean values); null or empty for none
     * @throws IllegalArgumentException when an output's values do not fill its shape (checked before writing)
     */
    public static void writeInferResponse(
            JsonGenerator gen,
            String modelName,
            int version,
            String id,
            Map<String, ?> parameters,
            List<OutputTensor> outputs)
            throws IOException {
        for (OutputTensor output : outputs) {
            TensorJson.check(output);
        }
        TensorJson values = new TensorJson(gen);
        gen.writeStartObject();
        gen.writeStringField("model_name", modelName);
        gen.writeStringField("model_version", Integer.toString(version));
        if (id != null) {
            gen.writeStringField("id", id);
        }
        if (parameters != null && !parameters.isEmpty()) {
            gen.writeFieldName("parameters");
            gen.writeStartObject();
            for (Map.Entry<String, ?> parameter : parameters.entrySet()) {
                gen.writeFieldName(parameter.getKey());
                writeScalar(gen, parameter.getValue());
            }
            gen.writeEndObject();
        }
        gen.writeArrayFieldStart("outputs");
        for (OutputTensor output : outputs) {
            gen.writeStartObject();
            gen.writeStringField("name", output.name());
            gen.writeStringField("datatype", output.datatype().name());
            gen.writeArrayFieldStart("shape");
            for (long d : output.shape()) {
                gen.writeNumber(d);
            }
            gen.writeEndArray();
            gen.writeFieldName("data");
            values.writeFlat(output, TensorJson.Bytes.TEXT);
            gen.writeEndObject();
        }
        gen.writeEndArray();
        gen.writeEndObject();
    }

    private static void writeScalar(JsonGenerator gen, Object value) throws IOException {
        if (value instanceof Boolean b) {
            gen.writeBoolean(b);
        } else if (value instanceof Integer || value instanceof Long || value instanceof Short) {
            gen.writeNumber(((Number) value).longValue());
        } else if (value instanceof Number n) {
            gen.writeNumber(n.doubleValue());
        } else {
            gen.writeString(String.valueOf(value));
        }
    }
}
