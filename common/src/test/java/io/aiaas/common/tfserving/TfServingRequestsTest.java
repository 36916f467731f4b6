package io.aiaas.common.tfserving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.oip.Datatype;
import io.aiaas.common.oip.InputTensor;
import io.aiaas.common.oip.InvalidInputException;
import io.aiaas.common.oip.InvalidInputException.Reason;
import io.aiaas.common.oip.Signature;
import io.aiaas.common.oip.TensorSpec;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class TfServingRequestsTest {
    private static final Signature ONE = new Signature(
            List.of(new TensorSpec("x", Datatype.FP32, List.of(-1L, 2L))),
            List.of(new TensorSpec("y", Datatype.FP32, List.of(-1L))));
    private static final Signature VECTOR = new Signature(
            List.of(new TensorSpec("x", Datatype.FP32, List.of(-1L))),
            List.of(new TensorSpec("y", Datatype.FP32, List.of(-1L))));
    private static final Signature TWO = new Signature(
            List.of(
                    new TensorSpec("ids", Datatype.INT64, List.of(-1L, 3L)),
                    new TensorSpec("tag", Datatype.BYTES, List.of(-1L))),
            List.of(new TensorSpec("y", Datatype.FP32, List.of(-1L))));
    private static final Signature IMAGE = new Signature(
            List.of(new TensorSpec("image_bytes", Datatype.BYTES, null)),
            List.of(new TensorSpec("y", Datatype.FP32, List.of(-1L))));

    @Test
    void rowFormWithOneInputStacksEachInstanceAlongANewFirstDimension() {
        List<InputTensor> tensors = decode(VECTOR, "{\"instances\": [1.0, 2.0, 5.0]}");
        assertEquals(1, tensors.size());
        assertArrayEquals(new long[] {3}, tensors.get(0).shape());
        assertArrayEquals(new float[] {1f, 2f, 5f}, (float[]) tensors.get(0).values());

        InputTensor nested =
                decode(ONE, "{\"instances\": [[1, 2], [3, 4], [5, 6]]}").get(0);
        assertArrayEquals(new long[] {3, 2}, nested.shape());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, (float[]) nested.values());

        TfServingRequest request = TfServingRequests.decode(json("{\"instances\": [[1, 2]]}"), "serving_default", ONE);
        assertFalse(request.columnar());
        assertEquals(List.of(1L, 2L), request.inputs().get(0).shape());
        assertEquals("FP32", request.inputs().get(0).datatype());
    }

    @Test
    void rowFormWithOneInputAcceptsInstancesThatNameIt() {
        InputTensor x = decode(ONE, "{\"instances\": [{\"x\": [1, 2]}, {\"x\": [3, 4]}]}")
                .get(0);
        assertArrayEquals(new long[] {2, 2}, x.shape());
        assertArrayEquals(new float[] {1, 2, 3, 4}, (float[]) x.values());
    }

    @Test
    void rowFormWithSeveralInputsReadsAnObjectPerInstance() {
        List<InputTensor> tensors = decode(
                TWO, "{\"instances\": [{\"tag\": \"a\", \"ids\": [1, 2, 3]}, {\"ids\": [4, 5, 6], \"tag\": \"b\"}]}");
        InputTensor ids = byName(tensors, "ids");
        assertArrayEquals(new long[] {2, 3}, ids.shape());
        assertArrayEquals(new long[] {1, 2, 3, 4, 5, 6}, (long[]) ids.values());
        InputTensor tag = byName(tensors, "tag");
        assertArrayEquals(new long[] {2}, tag.shape());
        assertArrayEquals("a".getBytes(StandardCharsets.UTF_8), ((byte[][]) tag.values())[0]);
        assertArrayEquals("b".getBytes(StandardCharsets.UTF_8), ((byte[][]) tag.values())[1]);
    }

    @Test
    void columnarFormWithOneInputIsItsTensor() {
        TfServingRequest request =
                TfServingRequests.decode(json("{\"inputs\": [[1, 2], [3, 4]]}"), "serving_default", ONE);
        assertTrue(request.columnar());
        InputTensor x = request.tensors("serving_default", ONE).get(0);
        assertArrayEquals(new long[] {2, 2}, x.shape());
        assertArrayEquals(new float[] {1, 2, 3, 4}, (float[]) x.values());

        InputTensor named = decode(ONE, "{\"inputs\": {\"x\": [[7, 8]]}}").get(0);
        assertArrayEquals(new long[] {1, 2}, named.shape());

        Signature scalar = new Signature(List.of(new TensorSpec("s", Datatype.INT32, List.of())), List.of());
        InputTensor s = decode(scalar, "{\"inputs\": 42}").get(0);
        assertArrayEquals(new long[] {}, s.shape());
        assertArrayEquals(new int[] {42}, (int[]) s.values());
    }

    @Test
    void columnarFormWithSeveralInputsNamesEachAndMayDifferInFirstDimension() {
        Signature anyRows = new Signature(
                List.of(
                        new TensorSpec("a", Datatype.INT32, List.of(-1L)),
                        new TensorSpec("b", Datatype.INT32, List.of(-1L))),
                List.of());
        List<InputTensor> tensors = decode(anyRows, "{\"inputs\": {\"a\": [1, 2, 3], \"b\": [4]}}");
        assertArrayEquals(new long[] {3}, byName(tensors, "a").shape());
        assertArrayEquals(new long[] {1}, byName(tensors, "b").shape());
    }

    @Test
    void b64ValuesDecodeToArbitraryBytes() {
        byte[] binary = {(byte) 0xff, 0, (byte) 0x80, 0x41};
        String b64 = Base64.getEncoder().encodeToString(binary);
        InputTensor row = decode(IMAGE, "{\"instances\": [{\"b64\": \"" + b64 + "\"}, \"text\"]}")
                .get(0);
        assertArrayEquals(new long[] {2}, row.shape());
        assertArrayEquals(binary, ((byte[][]) row.values())[0]);
        assertArrayEquals("text".getBytes(StandardCharsets.UTF_8), ((byte[][]) row.values())[1]);

        InputTensor named = decode(IMAGE, "{\"instances\": [{\"image_bytes\": {\"b64\": \"" + b64 + "\"}}]}")
                .get(0);
        assertArrayEquals(binary, ((byte[][]) named.values())[0]);

        InputTensor columnar =
                decode(IMAGE, "{\"inputs\": {\"b64\": \"" + b64 + "\"}}").get(0);
        assertArrayEquals(new long[] {}, columnar.shape());
        assertArrayEquals(binary, ((byte[][]) columnar.values())[0]);

        InputTensor nested = decode(IMAGE, "{\"inputs\": [[{\"b64\": \"" + b64 + "\"}], [{\"b64\": \"QQ\"}]]}")
                .get(0);
        assertArrayEquals(new long[] {2, 1}, nested.shape());
        assertArrayEquals(new byte[] {0x41}, ((byte[][]) nested.values())[1]);
    }

    @Test
    void badB64IsRefused() {
        assertMismatch(IMAGE, "{\"instances\": [{\"b64\": \"not base64!\"}]}", "base64");
        // a b64 value where a number is expected: not a FP32 value
        assertMismatch(VECTOR, "{\"instances\": [{\"b64\": \"QQ==\"}]}", null);
    }

    @Test
    void nonFiniteTokensAsTfServingWritesThemAreFloatValues() {
        JsonNode body = TfServingRequests.parse(
                "{\"instances\": [NaN, Infinity, -Infinity, 1.5]}".getBytes(StandardCharsets.UTF_8));
        float[] values = (float[]) TfServingRequests.decodeTensors(body, "serving_default", VECTOR)
                .get(0)
                .values();
        assertTrue(Float.isNaN(values[0]));
        assertEquals(Float.POSITIVE_INFINITY, values[1]);
        assertEquals(Float.NEGATIVE_INFINITY, values[2]);
        assertEquals(1.5f, values[3]);
        // and the strings the platform writes in its answers read back the same
        float[] strings = (float[])
                decode(VECTOR, "{\"inputs\": [\"NaN\", \"-Infinity\"]}").get(0).values();
        assertTrue(Float.isNaN(strings[0]));
        assertEquals(Float.NEGATIVE_INFINITY, strings[1]);
    }

    @Test
    void parseRefusesWhatIsNotJson() {
        InvalidInputException e = assertThrows(
                InvalidInputException.class, () -> TfServingRequests.parse("{\"instances\": [1,".getBytes()));
        assertEquals(Reason.UNREADABLE, e.reason());
        assertEquals(
                Reason.UNREADABLE,
                assertThrows(InvalidInputException.class, () -> TfServingRequests.parse(new byte[0]))
                        .reason());
    }

    @Test
    void instancesOfDifferentShapesAreRefusedAsTfServingDoes() {
        assertMismatch(ONE, "{\"instances\": [[1, 2], [3, 4, 5]]}", "Failed to process element: 1 of 'instances' list");
        assertMismatch(
                TWO,
                "{\"instances\": [{\"tag\": \"a\", \"ids\": [1, 2, 3]}, {\"tag\": \"b\", \"ids\": [1]}]}",
                "expecting shape [3] but got [1]");
    }

    @Test
    void raggedTensorsAreRefused() {
        assertMismatch(ONE, "{\"inputs\": [[1, 2], [3]]}", "not a dense tensor");
        assertMismatch(ONE, "{\"inputs\": [[1, 2], 3]}", "not a dense tensor");
        assertMismatch(ONE, "{\"inputs\": [1, [2, 3]]}", "not a dense tensor");
        assertMismatch(
                ONE, "{\"instances\": [[[1, 2], [3]]]}", "element 0 of 'instances' is not a dense tensor: at [1]");
    }

    @Test
    void valuesOfTheWrongTypeAreRefused() {
        assertMismatch(VECTOR, "{\"instances\": [1, \"two\"]}", "not a FP32 value");
        assertMismatch(TWO, "{\"inputs\": {\"ids\": [[1, 2, 3.5]], \"tag\": [\"a\"]}}", "INT64");
        assertMismatch(TWO, "{\"inputs\": {\"ids\": [[1, 2, 3]], \"tag\": [4]}}", "BYTES");
        Signature int8 = new Signature(List.of(new TensorSpec("i", Datatype.INT8, List.of(-1L))), List.of());
        assertMismatch(int8, "{\"instances\": [1, 300]}", "range");
    }

    @Test
    void shapesTheSignatureDoesNotTakeAreRefused() {
        assertMismatch(ONE, "{\"instances\": [[1, 2, 3]]}", "signature expects");
        assertMismatch(ONE, "{\"instances\": [1, 2]}", "signature expects");
    }

    @Test
    void missingAndUnknownInputsAreRefused() {
        assertMismatch(TWO, "{\"instances\": [{\"ids\": [1, 2, 3]}]}", "missing named input 'tag'");
        assertMismatch(TWO, "{\"instances\": [{\"ids\": [1, 2, 3], \"tag\": \"a\", \"z\": 1}]}", "no input 'z'");
        assertMismatch(TWO, "{\"inputs\": {\"ids\": [[1, 2, 3]]}}", "missing named input 'tag'");
        assertMismatch(TWO, "{\"inputs\": {\"ids\": [[1, 2, 3]], \"tag\": [\"a\"], \"z\": [1]}}", "no input 'z'");
        assertMismatch(ONE, "{\"inputs\": {\"z\": [[1, 2]]}}", "no input 'z'");
        assertMismatch(TWO, "{\"instances\": [[1, 2, 3]]}", "several inputs");
        assertMismatch(TWO, "{\"inputs\": [[1, 2, 3]]}", "several inputs");
        assertMismatch(ONE, "{\"instances\": [{\"x\": [1, 2]}, [3, 4]]}", "item 1");
        assertMismatch(ONE, "{\"instances\": [[1, 2], {\"x\": [3, 4]}]}", "item 1");
    }

    @Test
    void aBodyOfTheWrongFormIsUnreadable() {
        assertUnreadable(ONE, "[1, 2]");
        assertUnreadable(ONE, "{}");
        assertUnreadable(ONE, "{\"instances\": [[1, 2]], \"inputs\": [[1, 2]]}");
        assertUnreadable(ONE, "{\"instances\": {\"x\": [1, 2]}}");
        assertUnreadable(ONE, "{\"instances\": []}");
        assertUnreadable(ONE, "{\"inputs\": null}");
    }

    @Test
    void aTypeThePlatformCannotFeedIsAMismatch() {
        Signature half = new Signature(List.of(new TensorSpec("h", null, List.of(-1L))), List.of());
        assertMismatch(half, "{\"instances\": [1]}", "cannot feed");
    }

    @Test
    void signatureNameIsReadFromTheBody() {
        assertEquals("classify", TfServingRequests.signatureName(json("{\"signature_name\": \"classify\"}")));
        assertNull(TfServingRequests.signatureName(json("{\"instances\": [1]}")));
        assertNull(TfServingRequests.signatureName(json("{\"signature_name\": \"\"}")));
        assertEquals(
                Reason.UNREADABLE,
                assertThrows(
                                InvalidInputException.class,
                                () -> TfServingRequests.signatureName(json("{\"signature_name\": 3}")))
                        .reason());
    }

    @Test
    void everyDatatypeReads() {
        Signature all = new Signature(
                List.of(
                        new TensorSpec("bool", Datatype.BOOL, List.of(-1L)),
                        new TensorSpec("int8", Datatype.INT8, List.of(-1L)),
                        new TensorSpec("int16", Datatype.INT16, List.of(-1L)),
                        new TensorSpec("int32", Datatype.INT32, List.of(-1L)),
                        new TensorSpec("int64", Datatype.INT64, List.of(-1L)),
                        new TensorSpec("uint8", Datatype.UINT8, List.of(-1L)),
                        new TensorSpec("fp32", Datatype.FP32, List.of(-1L)),
                        new TensorSpec("fp64", Datatype.FP64, List.of(-1L)),
                        new TensorSpec("bytes", Datatype.BYTES, List.of(-1L))),
                List.of());
        String row = "{\"bool\": true, \"int8\": -128, \"int16\": -30000, \"int32\": 2000000000,"
                + " \"int64\": 9000000000000000000, \"uint8\": 255, \"fp32\": 0.25, \"fp64\": 1e300, \"bytes\": \"é\"}";
        for (String body : List.of(
                "{\"instances\": [" + row + "]}",
                "{\"inputs\": {\"bool\": [true], \"int8\": [-128], \"int16\": [-30000], \"int32\": [2000000000],"
                        + " \"int64\": [9000000000000000000], \"uint8\": [255], \"fp32\": [0.25], \"fp64\": [1e300],"
                        + " \"bytes\": [\"é\"]}}")) {
            List<InputTensor> t = decode(all, body);
            assertArrayEquals(
                    new boolean[] {true}, (boolean[]) byName(t, "bool").values());
            assertArrayEquals(new byte[] {-128}, (byte[]) byName(t, "int8").values());
            assertArrayEquals(new short[] {-30000}, (short[]) byName(t, "int16").values());
            assertArrayEquals(new int[] {2000000000}, (int[]) byName(t, "int32").values());
            assertArrayEquals(new long[] {9000000000000000000L}, (long[])
                    byName(t, "int64").values());
            assertArrayEquals(
                    new byte[] {(byte) 255}, (byte[]) byName(t, "uint8").values());
            assertArrayEquals(new float[] {0.25f}, (float[]) byName(t, "fp32").values());
            assertArrayEquals(new double[] {1e300}, (double[]) byName(t, "fp64").values());
            assertArrayEquals(
                    "é".getBytes(StandardCharsets.UTF_8),
                    ((byte[][]) byName(t, "bytes").values())[0]);
            for (InputTensor tensor : t) {
                assertArrayEquals(new long[] {1}, tensor.shape(), tensor.name());
            }
        }
    }

    private static List<InputTensor> decode(Signature signature, String body) {
        return TfServingRequests.decodeTensors(json(body), "serving_default", signature);
    }

    private static InputTensor byName(List<InputTensor> tensors, String name) {
        return tensors.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }

    private static void assertMismatch(Signature signature, String body, String detail) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> decode(signature, body));
        assertEquals(Reason.MISMATCH, e.reason(), e.getMessage());
        if (detail != null) {
            assertTrue(e.getMessage().contains(detail), e.getMessage());
        }
    }

    private static void assertUnreadable(Signature signature, String body) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> decode(signature, body));
        assertEquals(Reason.UNREADABLE, e.reason(), e.getMessage());
    }

    static JsonNode json(String s) {
        return TfServingRequests.parse(s.getBytes(StandardCharsets.UTF_8));
    }
}
