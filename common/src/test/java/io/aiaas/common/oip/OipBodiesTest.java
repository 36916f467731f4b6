package io.aiaas.common.oip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.json.Json;
import io.aiaas.common.predict.OutputTensor;
import io.aiaas.common.predict.ServingModel;
import io.aiaas.common.predict.ServingModel.ServingVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OipBodiesTest {
    private static final Signature SERVING = new Signature(
            List.of(new TensorSpec("x", Datatype.FP32, List.of(-1L, 784L))),
            List.of(new TensorSpec("y", Datatype.FP32, List.of(-1L, 10L))));
    private static final Signature CLASSIFY = new Signature(
            List.of(new TensorSpec("text", Datatype.BYTES, null)),
            List.of(new TensorSpec("label", Datatype.INT64, List.of(-1L))));

    @Test
    void serverBodies() {
        JsonNode metadata = OipBodies.serverMetadata("0.1.0");
        assertEquals(json("{\"name\": \"aiaas\", \"version\": \"0.1.0\", \"extensions\": []}"), metadata);
        OipConformance.assertConforms("server metadata", OipConformance.serverMetadata(metadata));
        assertEquals(json("{\"live\": true}"), OipBodies.live(true));
        OipConformance.assertConforms("live", OipConformance.serverLive(OipBodies.live(true)));
        assertEquals(json("{\"ready\": false}"), OipBodies.serverReady(false));
        OipConformance.assertConforms("ready", OipConformance.serverReady(OipBodies.serverReady(false)));
    }

    @Test
    void modelReadyNamesTheVersionWhenAskedForOne() {
        assertEquals(json("{\"name\": \"digits\", \"ready\": true}"), OipBodies.ready("digits", null, true));
        JsonNode versioned = OipBodies.ready("digits", 2, true);
        assertEquals(json("{\"name\": \"digits\", \"version\": \"2\", \"ready\": true}"), versioned);
        OipConformance.assertConforms("model ready", OipConformance.modelReady(versioned));
    }

    @Test
    void unversionedMetadataDescribesTheDefaultVersionAndListsEvery() {
        ServingModel model = new ServingModel(
                "m-1",
                "digits",
                "tenant",
                Map.of(ServingModel.PRODUCTION, 1),
                List.of(
                        new ServingVersion(1, Map.of("serving_default", SERVING, "classify", CLASSIFY), Instant.EPOCH),
                        new ServingVersion(2, Map.of("classify", CLASSIFY), Instant.EPOCH)));
        JsonNode body = OipBodies.modelMetadata(model, null, null);
        OipConformance.assertConforms("model metadata", OipConformance.modelMetadata(body));
        assertEquals(
                json("{\"name\": \"digits\", \"versions\": [\"1\", \"2\"], \"platform\": \"tensorflow_savedmodel\","
                        + " \"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [-1, 784]}],"
                        + " \"outputs\": [{\"name\": \"y\", \"datatype\": \"FP32\", \"shape\": [-1, 10]}],"
                        + " \"parameters\": {\"signatures\": [\"classify\", \"serving_default\"],"
                        + " \"signature_name\": \"serving_default\"}}"),
                body);

        JsonNode second = OipBodies.modelMetadata(model, model.version(2).orElseThrow(), "tensorflow_savedmodel");
        OipConformance.assertConforms("model metadata", OipConformance.modelMetadata(second));
        assertEquals(json("[\"2\"]"), second.get("versions"));
        // the only signature is the default one; an unknown rank is one variable dimension
        assertEquals(
                "classify", second.path("parameters").path("signature_name").textValue());
        assertEquals(json("[{\"name\": \"text\", \"datatype\": \"BYTES\", \"shape\": [-1]}]"), second.get("inputs"));
    }

    @Test
    void withoutADefaultSignatureNoTensorsAreDescribedButEverySignatureIsListed() {
        ServingModel model = new ServingModel(
                "m-1",
                "two",
                "tenant",
                Map.of(),
                List.of(new ServingVersion(
                        1,
                        Map.of("a", SERVING, "b", CLASSIFY, Signature.INIT_OP, new Signature(List.of(), List.of())),
                        Instant.EPOCH)));
        JsonNode body = OipBodies.modelMetadata(model, null, null);
        OipConformance.assertConforms("model metadata", OipConformance.modelMetadata(body));
        assertEquals(0, body.get("inputs").size());
        assertEquals(0, body.get("outputs").size());
        assertEquals(json("[\"a\", \"b\"]"), body.path("parameters").get("signatures"));
        assertFalse(body.path("parameters").has("signature_name"));
    }

    @Test
    void aModelWithoutVersionsIsDescribedWithoutTensors() {
        JsonNode body =
                OipBodies.modelMetadata(new ServingModel("m", "empty", "tenant", Map.of(), List.of()), null, null);
        OipConformance.assertConforms("model metadata", OipConformance.modelMetadata(body));
        assertEquals(0, body.get("versions").size());
    }

    @Test
    void inferResponseHasFlatDataOfEveryDatatype() {
        List<OutputTensor> outputs = List.of(
                new OutputTensor("bool", Datatype.BOOL, new long[] {2}, new boolean[] {true, false}),
                new OutputTensor("int8", Datatype.INT8, new long[] {2}, new byte[] {-128, 127}),
                new OutputTensor("uint8", Datatype.UINT8, new long[] {2}, new byte[] {(byte) 255, 0}),
                new OutputTensor("int16", Datatype.INT16, new long[] {2}, new short[] {-32768, 1}),
                new OutputTensor("int32", Datatype.INT32, new long[] {2}, new int[] {Integer.MIN_VALUE, 2}),
                new OutputTensor("int64", Datatype.INT64, new long[] {2}, new long[] {Long.MAX_VALUE, -3}),
                new OutputTensor("fp32", Datatype.FP32, new long[] {2, 2}, new float[] {
                    0.1f, Float.NaN, 3, Float.NEGATIVE_INFINITY
                }),
                new OutputTensor("fp64", Datatype.FP64, new long[] {2}, new double[] {0.1, Double.POSITIVE_INFINITY}),
                new OutputTensor(
                        "bytes", Datatype.BYTES, new long[] {2}, new byte[][] {"é".getBytes(StandardCharsets.UTF_8), {}
                        }));
        JsonNode body = OipBodies.inferResponse("digits", 3, "req-1", outputs);
        OipConformance.assertConforms("infer response", OipConformance.inferenceResponse(body, "req-1"));
        assertEquals("digits", body.get("model_name").textValue());
        assertEquals("3", body.get("model_version").textValue());
        assertEquals("req-1", body.get("id").textValue());
        assertEquals(
                json("{\"name\": \"fp32\", \"datatype\": \"FP32\", \"shape\": [2, 2],"
                        + " \"data\": [0.1, \"NaN\", 3.0, \"-Infinity\"]}"),
                body.get("outputs").get(6));
        assertEquals(json("[true, false]"), body.get("outputs").get(0).get("data"));
        assertEquals(json("[-128, 127]"), body.get("outputs").get(1).get("data"));
        assertEquals(json("[255, 0]"), body.get("outputs").get(2).get("data"));
        assertEquals(json("[-32768, 1]"), body.get("outputs").get(3).get("data"));
        assertEquals(json("[-2147483648, 2]"), body.get("outputs").get(4).get("data"));
        assertEquals(
                json("[9223372036854775807, -3]"), body.get("outputs").get(5).get("data"));
        assertEquals(json("[0.1, \"Infinity\"]"), body.get("outputs").get(7).get("data"));
        assertEquals(json("[\"é\", \"\"]"), body.get("outputs").get(8).get("data"));

        // what the platform writes, it reads back as the same values (NaN and infinities included)
        for (int i = 0; i < outputs.size(); i++) {
            JsonNode out = body.get("outputs").get(i);
            List<Long> shape = new ArrayList<>();
            out.get("shape").forEach(d -> shape.add(d.longValue()));
            InputTensor back = InputTensor.decode(new RequestInput(
                    out.get("name").textValue(), shape, out.get("datatype").textValue(), null, out.get("data")));
            assertArrayEquals(outputs.get(i).shape(), back.shape());
            assertTrue(
                    java.util.Objects.deepEquals(outputs.get(i).values(), back.values()),
                    outputs.get(i).name());
        }
    }

    @Test
    void inferResponseBytesSayTheSameAndEchoOnlyAGivenId() throws IOException {
        List<OutputTensor> outputs =
                List.of(new OutputTensor("y", Datatype.FP32, new long[] {1, 2}, new float[] {0.25f, -1}));
        byte[] bytes = OipBodies.inferResponseBytes("digits", 1, null, outputs);
        JsonNode body = Json.mapper().readTree(bytes);
        assertEquals(OipBodies.inferResponse("digits", 1, null, outputs), body);
        assertFalse(body.has("id"));
        assertEquals(
                json("{\"model_name\": \"digits\", \"model_version\": \"1\", \"outputs\": [{\"name\": \"y\","
                        + " \"datatype\": \"FP32\", \"shape\": [1, 2], \"data\": [0.25, -1.0]}]}"),
                body);
        OipConformance.assertConforms("infer response", OipConformance.inferenceResponse(body));

        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("signature_name", "serving_default");
        parameters.put("batch_requests", 3);
        parameters.put("cached", true);
        JsonNode withParameters =
                Json.mapper().readTree(OipBodies.inferResponseBytes("digits", 1, "7", parameters, outputs));
        assertEquals(
                json("{\"signature_name\": \"serving_default\", \"batch_requests\": 3, \"cached\": true}"),
                withParameters.get("parameters"));
        OipConformance.assertConforms("infer response", OipConformance.inferenceResponse(withParameters, "7"));
    }

    @Test
    void bytesThatAreNotUtf8AreWrittenAsReplacementText() {
        OutputTensor binary = new OutputTensor("b", Datatype.BYTES, new long[] {1}, new byte[][] {{(byte) 0xff, 'a'}});
        JsonNode body = OipBodies.inferResponse("m", 1, null, List.of(binary));
        assertEquals("\uFFFDa", body.get("outputs").get(0).get("data").get(0).textValue());
    }

    @Test
    void outputsThatDoNotFillTheirShapeAreRefusedBeforeWriting() {
        OutputTensor wrong = new OutputTensor("y", Datatype.INT32, new long[] {3}, new int[] {1, 2});
        assertThrows(IllegalArgumentException.class, () -> OipBodies.inferResponseBytes("m", 1, null, List.of(wrong)));
    }

    private static JsonNode json(String s) {
        try {
            return Json.mapper().readTree(s);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
