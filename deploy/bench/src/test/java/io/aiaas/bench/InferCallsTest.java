package io.aiaas.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.json.Json;
import org.junit.jupiter.api.Test;

class InferCallsTest {
    private static final float[] WANT = {0.25f, 0.75f, 1e-7f};

    @Test
    void aRightAnswerPassesWithFlatOrNestedData() {
        assertNull(InferCalls.problem(answer("[0.25,0.75,1.0E-7]"), WANT));
        assertNull(InferCalls.problem(answer("[[0.25,0.75,1.0E-7]]"), WANT));
        assertNull(InferCalls.problem(answer("[0.250001,0.75,0]"), WANT), "within the tolerance");
    }

    @Test
    void aWrongAnswerIsCaught() {
        assertTrue(InferCalls.problem(answer("[0.26,0.75,0]"), WANT).contains("y[0]"));
        assertTrue(InferCalls.problem(answer("[0.25,0.75]"), WANT).contains("shape"));
        assertNotNull(InferCalls.problem(answer("[0.25,0.75,null]"), WANT));
        assertNotNull(InferCalls.problem("{\"outputs\":[]}", WANT));
        assertNotNull(InferCalls.problem("<html>", WANT));
        assertNotNull(InferCalls.problem(
                "{\"outputs\":[{\"name\":\"y\",\"datatype\":\"FP64\",\"shape\":[1,3],\"data\":[0.25,0.75,0]}]}", WANT));
    }

    @Test
    void theRequestCarriesExactlyTheInProcessInput() throws Exception {
        float[] row = {0f, 0.004f, 1f / 3f, 1f, Float.MIN_VALUE};
        JsonNode input =
                Json.mapper().readTree(InferCalls.body(row)).path("inputs").get(0);
        assertEquals("x", input.path("name").asText());
        assertEquals("FP32", input.path("datatype").asText());
        assertEquals("[1,5]", input.path("shape").toString());
        for (int i = 0; i < row.length; i++) {
            assertEquals(row[i], (float) input.path("data").get(i).asDouble(), "value " + i);
        }
    }

    private static String answer(String data) {
        int n = data.startsWith("[[") ? 3 : data.split(",").length;
        return "{\"model_name\":\"m\",\"model_version\":\"1\",\"outputs\":[{\"name\":\"y\",\"datatype\":\"FP32\","
                + "\"shape\":[1," + n + "],\"data\":" + data + "}]}";
    }
}
