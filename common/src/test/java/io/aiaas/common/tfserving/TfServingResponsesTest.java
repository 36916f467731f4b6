package io.aiaas.common.tfserving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.json.Json;
import io.aiaas.common.oip.Datatype;
import io.aiaas.common.oip.InputTensor;
import io.aiaas.common.oip.InvalidInputException;
import io.aiaas.common.oip.InvalidInputException.Reason;
import io.aiaas.common.oip.Signature;
import io.aiaas.common.oip.TensorSpec;
import io.aiaas.common.predict.OutputTensor;
import io.aiaas.common.predict.ServingModel;
import io.aiaas.common.predict.ServingModel.ServingVersion;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TfServingResponsesTest {
    private static final OutputTensor MATRIX =
            new OutputTensor("y", Datatype.FP32, new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6});
    private static final OutputTensor LABELS =
            new OutputTensor("label", Datatype.INT64, new long[] {2}, new long[] {7, 9});

    @Test
    void rowFormWithOneOutputGivesEachRowsValue() {
        JsonNode body = predict(List.of(MATRIX), false);
        assertEquals(json("{\"predictions\": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]}"), body);
        TfServingConformance.assertConforms("row answer", TfServingConformance.predictRow(body));

        assertEquals(json("{\"predictions\": [7, 9]}"), predict(List.of(LABELS), false));
    }

    @Test
    void rowFormWithSeveralOutputsGivesAnObjectPerRow() {
        JsonNode body = predict(List.of(MATRIX, LABELS), false);
        assertEquals(
                json(
                        "{\"predictions\": [{\"y\": [1.0, 2.0, 3.0], \"label\": 7}, {\"y\": [4.0, 5.0, 6.0], \"label\": 9}]}"),
                body);
        TfServingConformance.assertConforms("row answer", TfServingConformance.predictRow(body));
    }

    @Test
    void rowFormRefusesOutputsWithoutACommonFirstDimensionAsTfServingDoes() {
        OutputTensor three = new OutputTensor("z", Datatype.INT32, new long[] {3}, new int[] {1, 2, 3});
        InvalidInputException e = assertThrows(
                InvalidInputException.class, () -> TfServingResponses.predict(List.of(MATRIX, three), false));
        assertEquals(Reason.MISMATCH, e.reason());
        assertTrue(e.getMessage().contains("inconsistent batch size 3, expecting 2"), e.getMessage());
        assertTrue(e.getMessage().contains("'inputs'"), e.getMessage());

        OutputTensor scalar = new OutputTensor("s", Datatype.FP32, new long[] {}, new float[] {1});
        assertThrows(InvalidInputException.class, () -> TfServingResponses.predictBytes(List.of(scalar), false));
        // the columnar form has no such limit
        JsonNode columnar = predict(List.of(MATRIX, three, scalar), true);
        assertEquals(
                json("{\"outputs\": {\"y\": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], \"z\": [1, 2, 3], \"s\": 1.0}}"),
                columnar);
        TfServingConformance.assertConforms("columnar answer", TfServingConformance.predictColumnar(columnar));
    }

    @Test
    void columnarFormWithOneOutputIsItsTensor() {
        JsonNode body = predict(List.of(MATRIX), true);
        assertEquals(json("{\"outputs\": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]}"), body);
        TfServingConformance.assertConforms("columnar answer", TfServingConformance.predictColumnar(body));
        OutputTensor cube =
                new OutputTensor("c", Datatype.INT32, new long[] {2, 2, 2}, new int[] {1, 2, 3, 4, 5, 6, 7, 8});
        assertEquals(json("{\"outputs\": [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]}"), predict(List.of(cube), true));
        OutputTensor empty = new OutputTensor("e", Datatype.INT32, new long[] {2, 0}, new int[0]);
        assertEquals(json("{\"outputs\": [[], []]}"), predict(List.of(empty), true));
    }

    @Test
    void bytesAreTextWhenUtf8ElseB64AndAlwaysB64ForBytesNames() {
        byte[] binary = {(byte) 0xff, 0, (byte) 0xfe};
        OutputTensor words = new OutputTensor(
                "words", Datatype.BYTES, new long[] {2}, new byte[][] {"héllo".getBytes(StandardCharsets.UTF_8), binary
                });
        OutputTensor image = new OutputTensor("image_bytes", Datatype.BYTES, new long[] {2}, new byte[][] {
            "ab".getBytes(StandardCharsets.UTF_8), binary
        });
        JsonNode body = predict(List.of(words, image), false);
        String b64 = Base64.getEncoder().encodeToString(binary);
        assertEquals(
                json("{\"predictions\": [{\"words\": \"héllo\", \"image_bytes\": {\"b64\": \"YWI=\"}},"
                        + " {\"words\": {\"b64\": \"" + b64 + "\"}, \"image_bytes\": {\"b64\": \"" + b64 + "\"}}]}"),
                body);
        TfServingConformance.assertConforms("row answer", TfServingConformance.predictRow(body));
    }

    @Test
    void binaryAnswersReadBackAsTheSameBytes() {
        byte[] binary = {(byte) 0xc3, (byte) 0x28, 0};
        OutputTensor out = new OutputTensor("o", Datatype.BYTES, new long[] {1}, new byte[][] {binary});
        JsonNode answer = predict(List.of(out), true);
        Signature echo = new Signature(List.of(new TensorSpec("o", Datatype.BYTES, List.of(-1L))), List.of());
        JsonNode request = Json.mapper().createObjectNode().set("inputs", answer.get("outputs"));
        InputTensor back = TfServingRequests.decodeTensors(request, "serving_default", echo)
                .get(0);
        assertArrayEquals(binary, ((byte[][]) back.values())[0]);
    }

    @Test
    void nonFiniteFloatsAreStrings() {
        OutputTensor f = new OutputTensor(
                "f", Datatype.FP32, new long[] {3}, new float[] {Float.NaN, Float.POSITIVE_INFINITY, -0.5f});
        OutputTensor d = new OutputTensor(
                "d", Datatype.FP64, new long[] {3}, new double[] {1e300, Double.NEGATIVE_INFINITY, Double.NaN});
        JsonNode body = predict(List.of(f, d), true);
        assertEquals(
                json("{\"outputs\": {\"f\": [\"NaN\", \"Infinity\", -0.5], \"d\": [1e300, \"-Infinity\", \"NaN\"]}}"),
                body);
        TfServingConformance.assertConforms("columnar answer", TfServingConformance.predictColumnar(body));
    }

    @Test
    void everyDatatypeIsWritten() {
        List<OutputTensor> all = List.of(
                new OutputTensor("bool", Datatype.BOOL, new long[] {2}, new boolean[] {true, false}),
                new OutputTensor("int8", Datatype.INT8, new long[] {2}, new byte[] {-128, 127}),
                new OutputTensor("uint8", Datatype.UINT8, new long[] {2}, new byte[] {(byte) 255, 0}),
                new OutputTensor("int16", Datatype.INT16, new long[] {2}, new short[] {-32768, 1}),
                new OutputTensor("int32", Datatype.INT32, new long[] {2}, new int[] {Integer.MIN_VALUE, 2}),
                new OutputTensor("int64", Datatype.INT64, new long[] {2}, new long[] {Long.MAX_VALUE, -3}),
                new OutputTensor("fp32", Datatype.FP32, new long[] {2}, new float[] {0.1f, 3}),
                new OutputTensor("fp64", Datatype.FP64, new long[] {2}, new double[] {0.1, -2.5e-300}),
                new OutputTensor("bytes", Datatype.BYTES, new long[] {2}, new byte[][] {{'a'}, {}}));
        JsonNode rows = predict(all, false);
        assertEquals(
                json("[{\"bool\": true, \"int8\": -128, \"uint8\": 255, \"int16\": -32768, \"int32\": -2147483648,"
                        + " \"int64\": 9223372036854775807, \"fp32\": 0.1, \"fp64\": 0.1, \"bytes\": \"a\"},"
                        + " {\"bool\": false, \"int8\": 127, \"uint8\": 0, \"int16\": 1, \"int32\": 2, \"int64\": -3,"
                        + " \"fp32\": 3.0, \"fp64\": -2.5e-300, \"bytes\": \"\"}]"),
                rows.get("predictions"));
        // fp32 values are written in their shortest form, not widened to double digits
        String text = new String(TfServingResponses.predictBytes(all, false), StandardCharsets.UTF_8);
        assertTrue(text.contains("\"fp32\":0.1,"), text);
        TfServingConformance.assertConforms("row answer", TfServingConformance.predictRow(rows));
    }

    @Test
    void valuesThatDoNotFillTheShapeAreAnError() {
        OutputTensor wrong = new OutputTensor("w", Datatype.FP32, new long[] {2, 2}, new float[] {1, 2, 3});
        assertThrows(IllegalArgumentException.class, () -> TfServingResponses.predict(List.of(wrong), true));
        OutputTensor wrongType = new OutputTensor("w", Datatype.FP32, new long[] {1}, new double[] {1});
        assertThrows(IllegalArgumentException.class, () -> TfServingResponses.predict(List.of(wrongType), true));
    }

    @Test
    void statusListsEveryVersionNewestFirstOrTheOneAskedFor() {
        ServingModel model = model();
        JsonNode all = TfServingResponses.status(model, null);
        assertEquals(
                json(
                        "{\"model_version_status\": ["
                                + "{\"version\": \"3\", \"state\": \"AVAILABLE\", \"status\": {\"error_code\": \"OK\", \"error_message\": \"\"}},"
                                + "{\"version\": \"1\", \"state\": \"AVAILABLE\", \"status\": {\"error_code\": \"OK\", \"error_message\": \"\"}}]}"),
                all);
        TfServingConformance.assertConforms("status", TfServingConformance.status(all));
        JsonNode one = TfServingResponses.status(model, 1);
        assertEquals(1, one.get("model_version_status").size());
        assertEquals("1", one.get("model_version_status").get(0).get("version").textValue());
        TfServingConformance.assertConforms("status", TfServingConformance.status(one));
        assertThrows(IllegalArgumentException.class, () -> TfServingResponses.status(model, 2));
    }

    @Test
    void metadataDescribesEveryCallableSignatureAsProtobufJson() {
        ServingModel model = model();
        JsonNode body = TfServingResponses.metadata(model, model.version(3).orElseThrow());
        TfServingConformance.assertConforms("metadata", TfServingConformance.metadata(body));
        assertEquals(
                json("{\"name\": \"digits\", \"signature_name\": \"\", \"version\": \"3\"}"), body.get("model_spec"));
        JsonNode defs = body.path("metadata").path("signature_def").path("signature_def");
        assertEquals(List.of("classify", "serving_default"), fieldNames(defs));
        JsonNode x = defs.path("serving_default").path("inputs").path("x");
        assertEquals(
                json("{\"dtype\": \"DT_FLOAT\", \"tensor_shape\": {\"dim\": [{\"size\": \"-1\", \"name\": \"\"},"
                        + " {\"size\": \"784\", \"name\": \"\"}], \"unknown_rank\": false}, \"name\": \"x\"}"),
                x);
        assertEquals(
                "tensorflow/serving/predict",
                defs.path("serving_default").path("method_name").textValue());
        JsonNode anyRank = defs.path("classify").path("inputs").path("text");
        assertEquals("DT_STRING", anyRank.path("dtype").textValue());
        assertTrue(anyRank.path("tensor_shape").path("unknown_rank").booleanValue());
        assertEquals(0, anyRank.path("tensor_shape").path("dim").size());
        assertEquals(
                "DT_INVALID",
                defs.path("classify").path("outputs").path("half").path("dtype").textValue());
        assertFalse(defs.has(Signature.INIT_OP));
    }

    static ServingModel model() {
        Signature serving = new Signature(
                List.of(new TensorSpec("x", Datatype.FP32, List.of(-1L, 784L))),
                List.of(new TensorSpec("y", Datatype.FP32, List.of(-1L, 10L))));
        Signature classify = new Signature(
                List.of(new TensorSpec("text", Datatype.BYTES, null)),
                List.of(new TensorSpec("half", null, List.of(-1L)), new TensorSpec("k", Datatype.INT64, List.of())));
        Signature init = new Signature(List.of(), List.of());
        return new ServingModel(
                "m-1",
                "digits",
                "tenant",
                Map.of(),
                List.of(
                        new ServingVersion(
                                3,
                                Map.of("serving_default", serving, "classify", classify, Signature.INIT_OP, init),
                                Instant.EPOCH),
                        new ServingVersion(1, Map.of("serving_default", serving), Instant.EPOCH)));
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The tree form, checked against the bytes form: both must say the same. */
    private static JsonNode predict(List<OutputTensor> outputs, boolean columnar) {
        JsonNode tree = TfServingResponses.predict(outputs, columnar);
        assertEquals(tree, read(TfServingResponses.predictBytes(outputs, columnar)));
        return tree;
    }

    private static JsonNode read(byte[] bytes) {
        try {
            return Json.mapper().readTree(bytes);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static JsonNode json(String s) {
        return read(s.getBytes(StandardCharsets.UTF_8));
    }
}
