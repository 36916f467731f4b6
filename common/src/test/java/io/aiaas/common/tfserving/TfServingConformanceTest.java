package io.aiaas.common.tfserving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.json.Json;
import java.io.IOException;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Each checker accepts TF Serving's documented examples and finds each of its rules broken once. */
class TfServingConformanceTest {
    private static final String OK_STATUS = "\"status\": {\"error_code\": \"OK\", \"error_message\": \"\"}";

    @Test
    void status() {
        check(
                TfServingConformance::status,
                "{\"model_version_status\": [{\"version\": \"123\", \"state\": \"AVAILABLE\", " + OK_STATUS + "}]}",
                "[]",
                "{}",
                "{\"model_version_status\": []}",
                "{\"model_version_status\": [1]}",
                "{\"model_version_status\": [{\"version\": 123, \"state\": \"AVAILABLE\", " + OK_STATUS + "}]}",
                "{\"model_version_status\": [{\"version\": \"v1\", \"state\": \"AVAILABLE\", " + OK_STATUS + "}]}",
                "{\"model_version_status\": [{\"version\": \"99999999999999999999\", \"state\": \"AVAILABLE\", "
                        + OK_STATUS + "}]}",
                "{\"model_version_status\": [{\"version\": \"1\", \"state\": \"READY\", " + OK_STATUS + "}]}",
                "{\"model_version_status\": [{\"version\": \"1\", \"state\": \"AVAILABLE\"}]}",
                "{\"model_version_status\": [{\"version\": \"1\", \"state\": \"AVAILABLE\", \"status\":"
                        + " {\"error_code\": 0, \"error_message\": \"\"}}]}",
                "{\"model_version_status\": [{\"version\": \"1\", \"state\": \"AVAILABLE\", \"status\":"
                        + " {\"error_code\": \"OK\"}}]}");
    }

    @Test
    void metadata() {
        String x = "\"x\": {\"dtype\": \"DT_FLOAT\", \"tensor_shape\": {\"dim\": [{\"size\": \"-1\", \"name\": \"\"}],"
                + " \"unknown_rank\": false}, \"name\": \"x:0\"}";
        check(
                TfServingConformance::metadata,
                meta("{\"inputs\": {" + x + "}, \"outputs\": {\"y\": {\"dtype\": \"DT_STRING\", \"tensor_shape\":"
                        + " {\"dim\": [], \"unknown_rank\": true}, \"name\": \"y\"}}, \"method_name\": \"m\"}"),
                "{\"metadata\": {\"signature_def\": {\"signature_def\": {}}}}",
                "{\"model_spec\": {\"name\": 1, \"signature_name\": \"\", \"version\": \"1\"},"
                        + " \"metadata\": {\"signature_def\": {\"signature_def\": {}}}}",
                "{\"model_spec\": {\"name\": \"m\", \"signature_name\": 0, \"version\": \"1\"},"
                        + " \"metadata\": {\"signature_def\": {\"signature_def\": {}}}}",
                "{\"model_spec\": {\"name\": \"m\", \"signature_name\": \"\", \"version\": 1},"
                        + " \"metadata\": {\"signature_def\": {\"signature_def\": {}}}}",
                "{\"model_spec\": {\"name\": \"m\", \"signature_name\": \"\", \"version\": \"1\"},"
                        + " \"metadata\": {\"signature_def\": {}}}",
                meta("[]"),
                meta("{\"inputs\": [], \"method_name\": \"m\"}"),
                meta("{\"inputs\": {" + x + "}}"),
                meta("{\"inputs\": {" + x.replace("DT_FLOAT", "float") + "}, \"method_name\": \"m\"}"),
                meta("{\"inputs\": {" + x.replace("\"x:0\"", "0") + "}, \"method_name\": \"m\"}"),
                meta("{\"inputs\": {\"x\": {\"dtype\": \"DT_FLOAT\", \"name\": \"x\"}}, \"method_name\": \"m\"}"),
                meta("{\"inputs\": {" + x.replace("\"-1\"", "-1") + "}, \"method_name\": \"m\"}"),
                meta("{\"inputs\": {" + x.replace("\"-1\"", "\"-2\"") + "}, \"method_name\": \"m\"}"),
                meta("{\"inputs\": {" + x.replace("false", "true") + "}, \"method_name\": \"m\"}"),
                meta("{\"inputs\": {" + x.replace("false", "\"no\"") + "}, \"method_name\": \"m\"}"),
                meta("{\"inputs\": {" + x.replace("[{", "{").replace("}],", "},") + "}, \"method_name\": \"m\"}"),
                meta("{\"inputs\": {" + x.replace("\"name\": \"\"", "\"name\": 1") + "}, \"method_name\": \"m\"}"));
    }

    private static String meta(String signatureDef) {
        return "{\"model_spec\": {\"name\": \"m\", \"signature_name\": \"\", \"version\": \"3\"},"
                + " \"metadata\": {\"signature_def\": {\"signature_def\": {\"serving_default\": " + signatureDef
                + "}}}}";
    }

    @Test
    void predictRow() {
        check(
                TfServingConformance::predictRow,
                "{\"predictions\": [{\"a\": [1, 2], \"b\": {\"b64\": \"aGk=\"}}, {\"b\": \"x\", \"a\": [3, 4]}]}",
                "{\"outputs\": [1]}",
                "{\"predictions\": [1], \"outputs\": [1]}",
                "{\"predictions\": [[1, 2], [3]]}",
                "{\"predictions\": [[1, 2], [3, [4]]]}",
                "{\"predictions\": [[[1], [2, 3]]]}",
                "{\"predictions\": [{\"a\": 1}, 2]}",
                "{\"predictions\": [{\"a\": 1}, {\"b\": 2}]}",
                "{\"predictions\": [{\"a\": {\"b64\": \"@@@\"}}]}",
                "{\"predictions\": [null]}");
        check(TfServingConformance::predictRow, "{\"predictions\": [3.5, 4.0, 5.5]}", "{\"predictions\": {}}");
    }

    @Test
    void predictColumnar() {
        check(
                TfServingConformance::predictColumnar,
                "{\"outputs\": {\"a\": [[1, 2], [3, 4]], \"b\": [\"x\"], \"s\": 1.5}}",
                "{\"predictions\": [1]}",
                "{\"outputs\": [1], \"predictions\": [1]}",
                "{\"outputs\": [[1, 2], [3]]}",
                "{\"outputs\": {\"a\": [[1], 2]}}",
                "{\"outputs\": {\"b64\": \"not base64\"}}");
        check(TfServingConformance::predictColumnar, "{\"outputs\": [[1.0, \"NaN\"]]}", "{\"outputs\": null}");
    }

    @Test
    void errorBody() {
        check(TfServingConformance::errorBody, "{\"error\": \"Servable not found\"}", "{}", "{\"error\": {}}", "[]");
    }

    @Test
    void assertConformsFailsWithTheViolations() {
        assertThrows(
                AssertionError.class,
                () -> TfServingConformance.assertConforms("x", TfServingConformance.errorBody(json("{}"))));
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
