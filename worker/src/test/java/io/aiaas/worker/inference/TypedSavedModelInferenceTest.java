package io.aiaas.worker.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.json.Json;
import io.aiaas.common.oip.Datatype;
import io.aiaas.common.oip.InferenceRequest;
import io.aiaas.common.oip.InputTensor;
import io.aiaas.common.oip.InvalidInputException;
import io.aiaas.common.oip.RequestInput;
import io.aiaas.common.oip.ResponseOutput;
import io.aiaas.common.oip.Signature;
import io.aiaas.common.oip.TensorSpec;
import io.aiaas.infra.fixtures.TypedSavedModel;
import io.aiaas.infra.fixtures.TypedSavedModel.SignatureDescription;
import io.aiaas.infra.fixtures.TypedSavedModel.TensorDescription;
import io.aiaas.worker.inference.NarrowIntegerTensors.TInt16;
import io.aiaas.worker.inference.NarrowIntegerTensors.TInt8;
import io.aiaas.worker.service.WorkerMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SessionFunction;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.ByteDataBuffer;
import org.tensorflow.ndarray.buffer.DataBuffers;

/**
 * Runs every signature of {@link TypedSavedModel} (one per served datatype, INT8 and INT16 included) through the
 * worker's engine from Open Inference Protocol JSON, and checks each value against one computed here.
 */
class TypedSavedModelInferenceTest {
    @TempDir
    static Path tmp;

    static LoadedModel typed;
    static InferenceEngine engine;

    @BeforeAll
    static void load() {
        Path dir = TypedSavedModel.export(tmp.resolve("typed"));
        typed = LoadedModel.load("typed/1", dir, null, 1, 1, false);
        engine = new InferenceEngine(new WorkerMetrics(new SimpleMeterRegistry()));
    }

    @AfterAll
    static void close() {
        if (typed != null) {
            typed.close();
        }
    }

    /** Two rows of three values per datatype, with the datatype's range edges where it has them. */
    private static final Map<Datatype, String> ROWS = Map.of(
            Datatype.BOOL, "[[true,false,true],[false,false,true]]",
            Datatype.INT8, "[[-128,-1,0],[1,126,127]]",
            Datatype.INT16, "[[-32768,-1,0],[1,32766,32767]]",
            Datatype.INT32, "[[-2147483648,-1,0],[1,70000,2147483646]]",
            Datatype.INT64, "[[-9223372036854775808,-1,0],[1,4294967296,9223372036854775806]]",
            Datatype.UINT8, "[[0,1,127],[128,254,255]]",
            Datatype.FP32, "[[1.5,-0.25,0],[1.5e38,-1.0e-30,7]]",
            Datatype.FP64, "[[0.1,-1e300,2.5],[8.98e307,-3,1e-300]]",
            Datatype.BYTES, "[[\"a\",\"\",\"ü\"],[\"x y\",\"!\",\"😀\"]]");

    @Test
    void loadedModelReportsEverySignatureWithItsDatatypes() {
        for (SignatureDescription described : TypedSavedModel.SIGNATURES) {
            Signature signature = typed.signatures().get(described.name());
            assertEquals(specs(described.inputs()), signature.inputs(), described.name());
            assertEquals(specs(described.outputs()), signature.outputs(), described.name());
        }
        assertEquals(
                Datatype.INT8,
                typed.signatures().get("int8_plus_one").input("x").orElseThrow().datatype());
        assertEquals(
                Datatype.INT16,
                typed.signatures()
                        .get("int16_plus_one")
                        .output("y")
                        .orElseThrow()
                        .datatype());
        assertEquals(TypedSavedModel.SIGNATURES.size(), typed.signatures().size());
    }

    @Test
    void everySignatureComputesItsValuesForEveryDatatype() {
        for (SignatureDescription described : TypedSavedModel.SIGNATURES) {
            Map<String, JsonNode> inputs = new LinkedHashMap<>();
            List<RequestInput> requestInputs = new ArrayList<>();
            for (TensorDescription in : described.inputs()) {
                JsonNode data = Json.read(rowsFor(described.name(), in), JsonNode.class);
                inputs.put(in.name(), data);
                requestInputs.add(new RequestInput(in.name(), List.of(2L, 3L), in.datatype(), null, data));
            }
            Prediction p = engine.predict(
                    typed, described.name(), new InferenceRequest("r-" + described.name(), null, requestInputs, null));
            assertEquals(described.name(), p.signature());
            assertEquals(2, p.examples());
            assertEquals(described.outputs().size(), p.outputs().size(), described.name());
            for (ResponseOutput out : p.outputs()) {
                TensorDescription spec = described.output(out.name()).orElseThrow();
                String where = described.name() + "." + out.name();
                assertEquals(spec.datatype(), out.datatype(), where);
                assertEquals(List.of(2L, 3L), out.shape(), where);
                assertEquals(expected(described.name(), out.name(), inputs), values(out), where);
            }
        }
    }

    @Test
    void servingDefaultIsChosenWithoutASignatureName() {
        InferenceRequest request = new InferenceRequest(
                "r",
                null,
                List.of(input("small", "INT8", "[-128,127,5]", 1), input("wide", "INT16", "[-32768,32767,-5]", 1)),
                null);
        Prediction p = engine.predict(typed, null, request);
        assertEquals("serving_default", p.signature());
        Map<String, List<Object>> byName = new LinkedHashMap<>();
        p.outputs().forEach(o -> byName.put(o.name(), values(o)));
        assertEquals(List.of(-32896L, 32894L, 0L), byName.get("sum"));
        assertEquals(List.of(-128L, 127L, 5L), byName.get("small_widened"));
    }

    @Test
    void narrowIntegersOutsideTheirRangeAreRefusedBeforeTensorFlowSeesThem() {
        for (String[] bad :
                new String[][] {{"int8_plus_one", "INT8", "[128,0,0]"}, {"int16_plus_one", "INT16", "[0,-32769,0]"}}) {
            InvalidInputException e = assertThrows(
                    InvalidInputException.class,
                    () -> engine.predict(
                            typed,
                            bad[0],
                            new InferenceRequest("r", null, List.of(input("x", bad[1], bad[2], 1)), null)));
            assertEquals(InvalidInputException.Reason.MISMATCH, e.reason());
        }
    }

    @Test
    void narrowIntegerOutputsReadAsTypedArrays() {
        byte[] bytes = {Byte.MIN_VALUE, -1, 0, 1, 126, Byte.MAX_VALUE};
        try (Tensor x = TensorCodec.toTensor(new InputTensor("x", Datatype.INT8, new long[] {2, 3}, bytes));
                Result r = typed.bundle().function("int8_plus_one").call(Map.of("x", x))) {
            TInt8 y = (TInt8) r.get("y").orElseThrow();
            assertArrayEquals(new long[] {2, 3}, y.shape().asArray());
            assertArrayEquals(new byte[] {-127, 0, 1, 2, 127, Byte.MIN_VALUE}, NarrowIntegerTensors.int8Values(y));
        }
        try (Tensor x = TensorCodec.toTensor(new InputTensor("x", Datatype.INT16, new long[] {3, 3}, new short[] {
                    Short.MIN_VALUE, -1, 0, 1, 32766, Short.MAX_VALUE, 255, 256, -256
                }));
                Result r = typed.bundle().function("int16_plus_one").call(Map.of("x", x))) {
            TInt16 y = (TInt16) r.get("y").orElseThrow();
            assertArrayEquals(new long[] {3, 3}, y.shape().asArray());
            assertArrayEquals(
                    new short[] {-32767, 0, 1, 2, 32767, Short.MIN_VALUE, 256, 257, -255},
                    NarrowIntegerTensors.int16Values(y));
        }
    }

    /**
     * The INT8 path's native allocations (input tensor, run, output tensor) 20,000 times on 48 KiB tensors, JSON left
     * out so that the loop stays fast (the output is read into one reused buffer, which also keeps the Java heap out of
     * the measure). JavaCPP frees an unclosed tensor only when the garbage collector finds it, so a tensor left open
     * shows as native pointers alive after a run (thousands, when tried) and as resident memory growing by well over
     * 100 MiB; closed, neither moves beyond warm-up noise.
     */
    @Test
    void repeatedInt8RunsDoNotGrowNativeMemory() {
        SessionFunction function = typed.bundle().function("int8_plus_one");
        int rows = 16_384;
        byte[] values = new byte[rows * TypedSavedModel.WIDTH];
        for (int i = 0; i < values.length; i++) {
            values[i] = (byte) i;
        }
        InputTensor host = new InputTensor("x", Datatype.INT8, new long[] {rows, TypedSavedModel.WIDTH}, values);
        ByteDataBuffer out = DataBuffers.ofBytes(values.length);
        Runnable run = () -> {
            try (Tensor x = TensorCodec.toTensor(host);
                    Result r = function.call(Map.of("x", x))) {
                ((TInt8) r.get("y").orElseThrow()).copyTo(out);
            }
        };
        for (int i = 0; i < 4_000; i++) {
            run.run();
        }
        assertEquals((byte) (values[values.length - 1] + 1), out.getByte(values.length - 1));
        long residentBefore = Pointer.physicalBytes();
        long pointersBefore = Pointer.totalCount();
        long most = 0;
        for (int i = 0; i < 16_000; i++) {
            run.run();
            most = Math.max(most, Pointer.totalCount() - pointersBefore);
        }
        long residentAfter = Pointer.physicalBytes();
        long mib = 1024 * 1024;
        System.out.printf(
                "[test] 16000 INT8 runs: resident memory %d MiB -> %d MiB, native pointers alive at most %d more%n",
                residentBefore / mib, residentAfter / mib, most);
        assertTrue(most <= 8, most + " more native pointers alive during the runs: some are never closed");
        assertTrue(
                residentAfter - residentBefore < 48 * mib,
                "resident memory grew by " + (residentAfter - residentBefore) / mib + " MiB over 16000 runs");
    }

    private static String rowsFor(String signature, TensorDescription in) {
        return switch (signature + "." + in.name()) {
            case "fp32_sum_product.b" -> "[[2,3,-1],[0.5,-1e10,7]]";
            case "fp32_sum_product.a" -> "[[1.5,-2,0],[4,0.25,-1]]";
            case "serving_default.small" -> "[[-128,127,0],[5,-5,1]]";
            case "serving_default.wide" -> "[[-32768,32767,100],[-5,5,-1]]";
            default -> ROWS.get(Datatype.valueOf(in.datatype()));
        };
    }

    /** The values each output must hold, computed here from the inputs. */
    private static List<Object> expected(String signature, String output, Map<String, JsonNode> inputs) {
        List<Object> out = new ArrayList<>();
        List<JsonNode> x = inputs.containsKey("x") ? flat(inputs.get("x")) : List.of();
        switch (signature) {
            case "bool_not" -> x.forEach(v -> out.add(!v.booleanValue()));
            case "int8_plus_one" -> x.forEach(v -> out.add((long) (byte) (v.intValue() + 1)));
            case "int16_plus_one" -> x.forEach(v -> out.add((long) (short) (v.intValue() + 1)));
            case "int32_plus_one" -> x.forEach(v -> out.add((long) (v.intValue() + 1)));
            case "int64_plus_one" -> x.forEach(v -> out.add(v.longValue() + 1));
            case "uint8_plus_one" -> x.forEach(v -> out.add((long) ((v.intValue() + 1) & 0xff)));
            case "fp32_times_two" -> x.forEach(v -> out.add(v.floatValue() * 2f));
            case "fp64_times_two" -> x.forEach(v -> out.add(v.doubleValue() * 2.0));
            case "bytes_exclaim" -> x.forEach(v -> out.add(v.textValue() + "!"));
            case "fp32_sum_product" -> {
                List<JsonNode> a = flat(inputs.get("a"));
                List<JsonNode> b = flat(inputs.get("b"));
                for (int i = 0; i < a.size(); i++) {
                    float fa = a.get(i).floatValue();
                    float fb = b.get(i).floatValue();
                    out.add(output.equals("sum") ? fa + fb : fa * fb);
                }
            }
            case "serving_default" -> {
                List<JsonNode> small = flat(inputs.get("small"));
                List<JsonNode> wide = flat(inputs.get("wide"));
                for (int i = 0; i < small.size(); i++) {
                    out.add(
                            output.equals("sum")
                                    ? small.get(i).longValue() + wide.get(i).longValue()
                                    : small.get(i).longValue());
                }
            }
            default -> throw new AssertionError("no expectation for " + signature);
        }
        return out;
    }

    /** An output's data as Java values of its datatype: Boolean, Long (integers), Float, Double or String. */
    private static List<Object> values(ResponseOutput out) {
        List<Object> values = new ArrayList<>();
        for (JsonNode v : out.data()) {
            values.add(
                    switch (Datatype.valueOf(out.datatype())) {
                        case BOOL -> {
                            assertTrue(v.isBoolean(), v.toString());
                            yield v.booleanValue();
                        }
                        case INT8, INT16, INT32, INT64, UINT8 -> {
                            assertTrue(v.isIntegralNumber(), v.toString());
                            yield v.longValue();
                        }
                        case FP32 -> v.floatValue();
                        case FP64 -> v.doubleValue();
                        case BYTES -> v.textValue();
                    });
        }
        return values;
    }

    private static List<JsonNode> flat(JsonNode rows) {
        List<JsonNode> flat = new ArrayList<>();
        rows.forEach(row -> row.forEach(flat::add));
        return flat;
    }

    private static List<TensorSpec> specs(List<TensorDescription> tensors) {
        return tensors.stream()
                .map(t -> new TensorSpec(t.name(), Datatype.valueOf(t.datatype()), t.shape()))
                .toList();
    }

    private static RequestInput input(String name, String datatype, String json, long rows) {
        JsonNode data = Json.read(json, JsonNode.class);
        return new RequestInput(name, List.of(rows, (long) data.size()), datatype, null, data);
    }
}
