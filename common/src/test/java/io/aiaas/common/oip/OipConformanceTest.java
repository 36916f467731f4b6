package io.aiaas.common.oip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.json.Json;
import java.io.IOException;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Each checker accepts the specification's own examples and finds each of its rules broken once. */
class OipConformanceTest {

    @Test
    void serverMetadata() {
        check(
                OipConformance::serverMetadata,
                "{\"name\": \"s\", \"version\": \"1\", \"extensions\": [\"x\"]}",
                "[]",
                "{\"version\": \"1\", \"extensions\": []}",
                "{\"name\": 1, \"version\": \"1\", \"extensions\": []}",
                "{\"name\": \"s\", \"extensions\": []}",
                "{\"name\": \"s\", \"version\": 1, \"extensions\": []}",
                "{\"name\": \"s\", \"version\": \"1\"}",
                "{\"name\": \"s\", \"version\": \"1\", \"extensions\": \"x\"}",
                "{\"name\": \"s\", \"version\": \"1\", \"extensions\": [1]}");
    }

    @Test
    void healthAndReadiness() {
        check(OipConformance::serverLive, "{\"live\": true}", "{}", "{\"live\": \"true\"}");
        check(OipConformance::serverReady, "{\"ready\": true}", "{}", "{\"ready\": 1}");
        check(
                OipConformance::modelReady,
                "{\"name\": \"m\", \"ready\": false}",
                "{\"ready\": true}",
                "{\"name\": \"m\"}",
                "{\"name\": \"m\", \"ready\": \"yes\"}",
                "{\"name\": \"m\", \"ready\": true, \"version\": 1}");
    }

    @Test
    void modelMetadata() {
        check(
                OipConformance::modelMetadata,
                "{\"name\": \"m\", \"versions\": [\"1\"], \"platform\": \"tensorflow_savedmodel\","
                        + " \"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [-1, 3]}],"
                        + " \"outputs\": [{\"name\": \"y\", \"datatype\": \"UINT64\", \"shape\": []}]}",
                "{\"versions\": [], \"platform\": \"p\", \"inputs\": [], \"outputs\": []}",
                "{\"name\": \"m\", \"versions\": [1], \"platform\": \"p\", \"inputs\": [], \"outputs\": []}",
                "{\"name\": \"m\", \"versions\": \"1\", \"platform\": \"p\", \"inputs\": [], \"outputs\": []}",
                "{\"name\": \"m\", \"inputs\": [], \"outputs\": []}",
                "{\"name\": \"m\", \"platform\": \"p\", \"outputs\": []}",
                "{\"name\": \"m\", \"platform\": \"p\", \"inputs\": []}",
                "{\"name\": \"m\", \"platform\": \"p\", \"inputs\": {}, \"outputs\": []}",
                "{\"name\": \"m\", \"platform\": \"p\", \"inputs\": [{\"datatype\": \"FP32\", \"shape\": [1]}],"
                        + " \"outputs\": []}",
                "{\"name\": \"m\", \"platform\": \"p\", \"inputs\": [{\"name\": \"x\", \"shape\": [1]}],"
                        + " \"outputs\": []}",
                "{\"name\": \"m\", \"platform\": \"p\", \"inputs\": [{\"name\": \"x\", \"datatype\": \"FLOAT\","
                        + " \"shape\": [1]}], \"outputs\": []}",
                "{\"name\": \"m\", \"platform\": \"p\", \"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\"}],"
                        + " \"outputs\": []}",
                "{\"name\": \"m\", \"platform\": \"p\", \"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\","
                        + " \"shape\": [-2]}], \"outputs\": []}",
                "{\"name\": \"m\", \"platform\": \"p\", \"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\","
                        + " \"shape\": [1.5]}], \"outputs\": []}",
                "{\"name\": \"m\", \"platform\": \"p\", \"inputs\": [], \"outputs\": [7]}",
                "{\"name\": \"m\", \"platform\": \"p\", \"inputs\": [], \"outputs\": [], \"parameters\": []}");
    }

    @Test
    void inferenceRequest() {
        // the specification's example, with UINT32 and a shape [3] BOOL input holding one value fixed to three
        check(
                OipConformance::inferenceRequest,
                "{\"id\": \"42\", \"parameters\": {\"signature_name\": \"s\", \"n\": 1, \"b\": true},"
                        + " \"inputs\": [{\"name\": \"input0\", \"shape\": [2, 2], \"datatype\": \"UINT32\","
                        + " \"data\": [1, 2, 3, 4]}, {\"name\": \"input1\", \"shape\": [3], \"datatype\": \"BOOL\","
                        + " \"data\": [true, false, true]}, {\"name\": \"n\", \"shape\": [2, 2], \"datatype\": \"FP32\","
                        + " \"data\": [[1.5, \"NaN\"], [\"Infinity\", 2]]}],"
                        + " \"outputs\": [{\"name\": \"output0\"}]}",
                "{\"id\": 42, \"inputs\": []}",
                "{\"parameters\": [], \"inputs\": []}",
                "{\"parameters\": {\"p\": [1]}, \"inputs\": []}",
                "{}",
                "{\"inputs\": {}}",
                "{\"inputs\": [{\"shape\": [1], \"datatype\": \"BOOL\", \"data\": [true]}]}",
                "{\"inputs\": [{\"name\": \"i\", \"datatype\": \"BOOL\", \"data\": [true]}]}",
                "{\"inputs\": [{\"name\": \"i\", \"shape\": [-1], \"datatype\": \"BOOL\", \"data\": [true]}]}",
                "{\"inputs\": [{\"name\": \"i\", \"shape\": [1], \"data\": [true]}]}",
                "{\"inputs\": [{\"name\": \"i\", \"shape\": [1], \"datatype\": \"bool\", \"data\": [true]}]}",
                "{\"inputs\": [{\"name\": \"i\", \"shape\": [1], \"datatype\": \"BOOL\"}]}",
                "{\"inputs\": [{\"name\": \"i\", \"shape\": [1], \"datatype\": \"BOOL\", \"data\": true}]}",
                "{\"inputs\": [{\"name\": \"i\", \"shape\": [2], \"datatype\": \"BOOL\", \"data\": [true]}]}",
                "{\"inputs\": [{\"name\": \"i\", \"shape\": [1, 2], \"datatype\": \"INT8\", \"data\": [[1], [2]]}]}",
                "{\"inputs\": [{\"name\": \"i\", \"shape\": [1], \"datatype\": \"BOOL\", \"data\": [1]}]}",
                "{\"inputs\": [{\"name\": \"i\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [1]}]}",
                "{\"inputs\": [{\"name\": \"i\", \"shape\": [1], \"datatype\": \"INT32\", \"data\": [1.5]}]}",
                "{\"inputs\": [{\"name\": \"i\", \"shape\": [1], \"datatype\": \"UINT8\", \"data\": [256]}]}",
                "{\"inputs\": [{\"name\": \"i\", \"shape\": [1], \"datatype\": \"FP32\", \"data\": [\"nan\"]}]}",
                "{\"inputs\": [{\"name\": \"i\", \"shape\": [1], \"datatype\": \"FP32\", \"data\": [null]}]}",
                "{\"inputs\": [{\"name\": \"i\", \"shape\": [1], \"datatype\": \"FP32\", \"data\": [1],"
                        + " \"parameters\": 3}]}",
                "{\"inputs\": [], \"outputs\": {}}",
                "{\"inputs\": [], \"outputs\": [{}]}",
                "{\"inputs\": [], \"outputs\": [{\"name\": \"o\", \"parameters\": {\"x\": {}}}]}");
    }

    @Test
    void inferenceResponse() {
        check(
                OipConformance::inferenceResponse,
                "{\"model_name\": \"m\", \"model_version\": \"1\", \"id\": \"42\", \"outputs\": [{\"name\": \"o\","
                        + " \"shape\": [3, 2], \"datatype\": \"FP32\", \"data\": [1.0, 1.1, 2.0, 2.1, 3.0, 3.1]}]}",
                "{\"outputs\": []}",
                "{\"model_name\": 1, \"outputs\": []}",
                "{\"model_name\": \"m\", \"model_version\": 1, \"outputs\": []}",
                "{\"model_name\": \"m\", \"id\": 42, \"outputs\": []}",
                "{\"model_name\": \"m\", \"parameters\": \"p\", \"outputs\": []}",
                "{\"model_name\": \"m\"}",
                "{\"model_name\": \"m\", \"outputs\": [{\"name\": \"o\", \"shape\": [0], \"datatype\": \"FP16\"}]}",
                "{\"model_name\": \"m\", \"outputs\": [{\"name\": \"o\", \"shape\": [2], \"datatype\": \"FP64\","
                        + " \"data\": [1, 2, 3]}]}",
                "{\"model_name\": \"m\", \"outputs\": [{\"name\": \"o\", \"shape\": [1], \"datatype\": \"INT64\","
                        + " \"data\": [\"1\"]}]}");
        JsonNode response = json("{\"model_name\": \"m\", \"id\": \"a\", \"outputs\": []}");
        assertEquals(List.of(), OipConformance.inferenceResponse(response, "a"));
        assertEquals(1, OipConformance.inferenceResponse(response, "b").size());
    }

    @Test
    void errorBody() {
        check(OipConformance::errorBody, "{\"error\": \"bad\", \"type\": \"x\"}", "{}", "{\"error\": 1}", "\"bad\"");
    }

    @Test
    void assertConformsFailsWithTheViolations() {
        AssertionError e = assertThrows(
                AssertionError.class, () -> OipConformance.assertConforms("x", OipConformance.errorBody(json("{}"))));
        assertFalse(e.getMessage().isEmpty());
        OipConformance.assertConforms("x", List.of());
    }

    /** {@code valid} has no violation; each of {@code broken} has exactly one. */
    private static void check(Function<JsonNode, List<String>> checker, String valid, String... broken) {
        assertEquals(List.of(), checker.apply(json(valid)), valid);
        for (String body : broken) {
            List<String> violations = checker.apply(json(body));
            assertEquals(1, violations.size(), body + " → " + violations);
        }
    }

    private static JsonNode json(String s) {
        try {
            return Json.mapper().readTree(s);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
