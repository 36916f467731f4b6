package io.aiaas.worker.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.json.Json;
import io.aiaas.common.oip.Datatype;
import io.aiaas.common.oip.InferenceRequest;
import io.aiaas.common.oip.InvalidInputException;
import io.aiaas.common.oip.RequestInput;
import io.aiaas.common.oip.ResponseOutput;
import io.aiaas.common.oip.Signature;
import io.aiaas.common.oip.TensorSpec;
import io.aiaas.infra.fixtures.DenseSavedModel;
import io.aiaas.worker.service.WorkerMetrics;
import io.aiaas.worker.testing.TestModels;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loads real SavedModels inside the worker module (its protobuf runtime included) and runs them. */
class SavedModelInferenceTest {
    static final float[][] W = {{1f, 2f}, {3f, 4f}, {5f, 6f}};
    static final float[] B = {0.5f, -1f};

    @TempDir
    static Path tmp;

    static LoadedModel dense;
    private static LoadedModel python;
    static InferenceEngine engine;

    @BeforeAll
    static void load() throws Exception {
        Path dir = tmp.resolve("dense");
        DenseSavedModel.export(dir, W, B);
        dense = LoadedModel.load("dense/1", dir, null, 1, 1, false);
        engine = new InferenceEngine(new WorkerMetrics(new SimpleMeterRegistry()));
    }

    @AfterAll
    static void close() {
        if (dense != null) {
            dense.close();
        }
        if (python != null) {
            python.close();
        }
    }

    /** The Python-exported model, loaded on first use: a test that needs it skips (fails under CI) without it. */
    static synchronized LoadedModel python() {
        if (python == null) {
            python = LoadedModel.load("python/1", TestModels.pythonSavedModel(), null, 1, 1, false);
        }
        return python;
    }

    static RequestInput input(String name, List<Long> shape, String datatype, String json) {
        return new RequestInput(name, shape, datatype, null, Json.read(json, JsonNode.class));
    }

    static InferenceRequest request(RequestInput... inputs) {
        return new InferenceRequest("r1", null, List.of(inputs), null);
    }

    @Test
    void denseModelComputesXTimesWPlusB() {
        float[][] x = {{1f, 2f, 3f}, {-1f, 0.5f, 4f}};
        Prediction p =
                engine.predict(dense, null, request(input("x", List.of(2L, 3L), "FP32", "[[1,2,3],[-1,0.5,4]]")));
        assertEquals("serving_default", p.signature());
        assertEquals(2, p.examples());
        assertTrue(p.computeMillis() >= 1);
        ResponseOutput y = p.outputs().get(0);
        assertEquals("y", y.name());
        assertEquals(List.of(2L, 2L), y.shape());
        assertEquals("FP32", y.datatype());
        float[][] expected = TestModels.dense(x, W, B);
        for (int r = 0; r < 2; r++) {
            for (int c = 0; c < 2; c++) {
                assertEquals(expected[r][c], y.data().get(r * 2 + c).floatValue(), 1e-5);
            }
        }
    }

    @Test
    void signatureIsReadFromTheProto() {
        TensorSpec x = dense.signatures().get("serving_default").input("x").orElseThrow();
        assertEquals(Datatype.FP32, x.datatype());
        assertEquals(List.of(-1L, 3L), x.shape());
        assertTrue(x.accepts(new long[] {7, 3}));
        assertTrue(!x.accepts(new long[] {7, 4}));
    }

    @Test
    void inputsThatDoNotFitAreRefused() {
        assertThrows(
                InvalidInputException.class,
                () -> engine.predict(dense, null, request(input("x", List.of(1L, 4L), "FP32", "[1,2,3,4]"))));
        assertThrows(
                InvalidInputException.class,
                () -> engine.predict(dense, null, request(input("x", List.of(1L, 3L), "FP64", "[1,2,3]"))));
        assertThrows(
                InvalidInputException.class,
                () -> engine.predict(dense, null, request(input("z", List.of(1L, 3L), "FP32", "[1,2,3]"))));
        assertThrows(
                InvalidInputException.class,
                () -> engine.predict(dense, "nope", request(input("x", List.of(1L, 3L), "FP32", "[1,2,3]"))));
        assertThrows(
                InvalidInputException.class,
                () -> engine.predict(dense, null, new InferenceRequest("r", null, List.of(), null)));
    }

    @Test
    void numbersOutsideTheDatatypeAreRefusedBeforeTensorFlowSeesThem() {
        for (String data : new String[] {"[1,2,1e400]", "[1,2,-1e400]", "[1,2,1e39]", "[[1,2],[3]]"}) {
            InvalidInputException e = assertThrows(
                    InvalidInputException.class,
                    () -> engine.predict(dense, null, request(input("x", List.of(1L, 3L), "FP32", data))),
                    data);
            assertEquals(InvalidInputException.Reason.MISMATCH, e.reason());
        }
    }

    @Test
    void requestedOutputsAreHonoured() {
        InferenceRequest req = new InferenceRequest(
                "r",
                Map.of("signature_name", "serving_default"),
                List.of(input("x", List.of(1L, 3L), "FP32", "[1,2,3]")),
                List.of(new InferenceRequest.RequestedOutput("y", null)));
        assertEquals(1, engine.predict(dense, null, req).outputs().size());
        InferenceRequest unknown = new InferenceRequest(
                "r",
                null,
                List.of(input("x", List.of(1L, 3L), "FP32", "[1,2,3]")),
                List.of(new InferenceRequest.RequestedOutput("nope", null)));
        assertThrows(InvalidInputException.class, () -> engine.predict(dense, null, unknown));
    }

    @Test
    void pythonModelAddsVectors() {
        LoadedModel python = python();
        Prediction p = engine.predict(
                python,
                "add",
                request(input("a", List.of(3L), "FP32", "[1,2,3]"), input("b", List.of(3L), "FP32", "[10,20,30]")));
        ResponseOutput out = p.outputs().get(0);
        assertEquals("output_0", out.name());
        assertEquals(List.of(3L), out.shape());
        assertEquals(List.of(11.0f, 22.0f, 33.0f), floats(out));
    }

    @Test
    void pythonModelHasUnknownRankInputs() {
        LoadedModel python = python();
        assertTrue(!python.signatures().containsKey(Signature.INIT_OP));
        TensorSpec a = python.signatures().get("add").input("a").orElseThrow();
        assertNull(a.shape(), "unknown rank must not read as a scalar");
        // any rank is accepted: a matrix goes through add as well
        Prediction p = engine.predict(
                python,
                "add",
                request(
                        input("a", List.of(2L, 2L), "FP32", "[[1,2],[3,4]]"),
                        input("b", List.of(2L, 2L), "FP32", "[[1,1],[1,1]]")));
        assertEquals(List.of(2L, 2L), p.outputs().get(0).shape());
        assertEquals(List.of(2.0f, 3.0f, 4.0f, 5.0f), floats(p.outputs().get(0)));
    }

    @Test
    void pythonModelReadsResourceVariables() {
        LoadedModel python = python();
        Prediction p = engine.predict(python, "get_variable", request(input("dummy", List.of(), "FP32", "1")));
        assertEquals(List.of(2.0f), floats(p.outputs().get(0)));
        assertEquals(1, p.examples());
    }

    @Test
    void pythonModelWithoutDefaultNeedsASignatureName() {
        LoadedModel python = python();
        assertThrows(
                InvalidInputException.class,
                () -> engine.predict(python, null, request(input("a", List.of(1L), "FP32", "[1]"))));
    }

    @Test
    void shapeErrorsRaisedByTheModelAreInvalidInput() {
        LoadedModel python = python();
        InvalidInputException e = assertThrows(
                InvalidInputException.class,
                () -> engine.predict(
                        python,
                        "add",
                        request(input("a", List.of(3L), "FP32", "[1,2,3]"), input("b", List.of(2L), "FP32", "[1,2]"))));
        assertTrue(e.getMessage().startsWith("The model refused the input"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }

    static List<Float> floats(ResponseOutput out) {
        List<Float> values = new java.util.ArrayList<>();
        out.data().forEach(n -> values.add(n.floatValue()));
        return values;
    }
}
