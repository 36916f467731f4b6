package io.aiaas.common.oip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InputTensorTest {

    static RequestInput input(String datatype, List<Long> shape, String json) {
        return new RequestInput("t", shape, datatype, null, Json.read(json, JsonNode.class));
    }

    static InputTensor decode(String datatype, List<Long> shape, String json) {
        return InputTensor.decode(input(datatype, shape, json));
    }

    @Test
    void bytesHeldAsBinaryNodesAreTakenAsTheyAre() {
        byte[] binary = {(byte) 0xff, 0, (byte) 0xc3};
        com.fasterxml.jackson.databind.node.ArrayNode data = Json.mapper().createArrayNode();
        data.add(com.fasterxml.jackson.databind.node.BinaryNode.valueOf(binary));
        data.add("text");
        InputTensor t = InputTensor.decode(new RequestInput("b", List.of(2L), "BYTES", null, data));
        assertArrayEquals(binary, ((byte[][]) t.values())[0]);
        assertArrayEquals("text".getBytes(StandardCharsets.UTF_8), ((byte[][]) t.values())[1]);
        // for other datatypes a binary value is no value
        assertThrows(
                InvalidInputException.class,
                () -> InputTensor.decode(new RequestInput("f", List.of(2L), "FP32", null, data)));
    }

    @Test
    void decodesEveryDatatype() {
        assertArrayEquals(new boolean[] {true, false}, (boolean[])
                decode("BOOL", List.of(2L), "[true,false]").values());
        assertArrayEquals(new byte[] {-128, 127}, (byte[])
                decode("INT8", List.of(2L), "[-128,127]").values());
        assertArrayEquals(new short[] {-32768, 32767}, (short[])
                decode("INT16", List.of(2L), "[-32768,32767]").values());
        assertArrayEquals(new int[] {Integer.MIN_VALUE, 7}, (int[])
                decode("INT32", List.of(2L), "[-2147483648,7]").values());
        assertArrayEquals(new long[] {Long.MAX_VALUE, -1}, (long[])
                decode("INT64", List.of(2L), "[9223372036854775807,-1]").values());
        assertArrayEquals(new byte[] {0, (byte) 255}, (byte[])
                decode("UINT8", List.of(2L), "[0,255]").values());
        assertArrayEquals(new float[] {1.5f, -2f, Float.MAX_VALUE}, (float[])
                decode("FP32", List.of(3L), "[1.5,-2,3.4028234663852886E38]").values());
        assertArrayEquals(new double[] {0.1, Double.NaN, 1e300}, (double[])
                decode("FP64", List.of(3L), "[0.1,\"NaN\",1e300]").values());
        byte[][] bytes =
                (byte[][]) decode("BYTES", List.of(2L), "[\"héllo\",\"\"]").values();
        assertArrayEquals("héllo".getBytes(StandardCharsets.UTF_8), bytes[0]);
        assertEquals(0, bytes[1].length);
        // whole numbers written with a fraction part are whole numbers
        assertArrayEquals(new int[] {2, -3}, (int[])
                decode("INT32", List.of(2L), "[2.0,-3e0]").values());
    }

    @Test
    void nestedAndFlatDataReadTheSameRowMajor() {
        InputTensor nested = decode("INT32", List.of(2L, 3L), "[[1,2,3],[4,5,6]]");
        InputTensor flat = decode("INT32", List.of(2L, 3L), "[1,2,3,4,5,6]");
        assertArrayEquals((int[]) flat.values(), (int[]) nested.values());
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6}, (int[]) nested.values());
        assertEquals(2, nested.batchSize());
        InputTensor scalar = decode("FP32", List.of(), "3.5");
        assertArrayEquals(new float[] {3.5f}, (float[]) scalar.values());
        assertEquals(1, scalar.batchSize());
        InputTensor empty = decode("FP32", List.of(0L, 3L), "[]");
        assertEquals(0, ((float[]) empty.values()).length);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = ';',
            value = {
                "FP32;[2,2];[1,2,3]",
                "FP32;[2,2];[[1,2],[3,4],[5,6]]",
                "INT32;[3];[1,2,3,4]",
                "BOOL;[];[true,false]",
                "BYTES;[1];[]"
            })
    void refusesDataWhoseLengthDoesNotMatchTheShape(String datatype, String shape, String data) {
        InvalidInputException e =
                assertThrows(InvalidInputException.class, () -> decode(datatype, toLongs(shape), data));
        assertTrue(e.getMessage().contains("values but its shape"), e.getMessage());
        assertEquals(InvalidInputException.Reason.MISMATCH, e.reason());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = ';',
            value = {"[2,3];[[1,2],[3,4,5,6]]", "[2,3];[[1,2,3],4,5,6]", "[3];[[1],[2],[3]]", "[1,3];[[[1,2,3]]]"})
    void refusesRaggedDataEvenWithTheRightCount(String shape, String data) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> decode("FP32", toLongs(shape), data));
        assertEquals(InvalidInputException.Reason.MISMATCH, e.reason());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = ';',
            value = {
                "INT8;[128]",
                "INT8;[300]",
                "INT16;[-32769]",
                "INT32;[2147483648]",
                "INT64;[9223372036854775808]",
                "INT64;[1e19]",
                "UINT8;[-1]",
                "UINT8;[256]",
                "INT64;[1.5]",
                "INT32;[0.5]",
                "INT32;[1e400]",
                "INT32;[\"1\"]",
                "BOOL;[1]",
                "BOOL;[\"true\"]",
                "BOOL;[null]",
                "FP32;[\"x\"]",
                "FP32;[1e400]",
                "FP32;[-1e400]",
                "FP32;[1e39]",
                "FP32;[3.5e38]",
                "FP64;[1e400]",
                "FP64;[true]",
                "BYTES;[1]"
            })
    void refusesValuesOutsideTheDatatype(String datatype, String data) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> decode(datatype, List.of(1L), data));
        assertEquals(InvalidInputException.Reason.MISMATCH, e.reason(), e.getMessage());
        assertTrue(e.getMessage().startsWith("Input 't' holds"), e.getMessage());
    }

    @Test
    void refusesBadDeclarations() {
        assertEquals(InvalidInputException.Reason.MISMATCH, refused(input("FP16", List.of(1L), "[1]")));
        assertEquals(InvalidInputException.Reason.UNREADABLE, refused(input("FP32", null, "[1]")));
        assertEquals(InvalidInputException.Reason.MISMATCH, refused(input("FP32", List.of(-1L), "[1]")));
        assertEquals(
                InvalidInputException.Reason.UNREADABLE,
                refused(new RequestInput("t", List.of(1L), "FP32", null, null)));
        assertEquals(
                InvalidInputException.Reason.UNREADABLE,
                refused(new RequestInput(null, List.of(1L), "FP32", null, null)));
        assertEquals(InvalidInputException.Reason.MISMATCH, refused(input("FP32", List.of(1L << 20, 1L << 20), "[1]")));
        assertEquals(
                InvalidInputException.Reason.MISMATCH,
                refused(input("FP32", List.of(1L << 40, 1L << 40, 1L << 40), "[1]")));
    }

    @Test
    void checksAgainstTheSignaturesTensor() {
        TensorSpec x = new TensorSpec("t", Datatype.FP32, List.of(-1L, 3L));
        InputTensor ok = InputTensor.decode(input("FP32", List.of(2L, 3L), "[1,2,3,4,5,6]"), x);
        assertEquals(6, ok.size());
        assertEquals(
                InvalidInputException.Reason.MISMATCH,
                assertThrows(
                                InvalidInputException.class,
                                () -> InputTensor.decode(input("FP64", List.of(1L, 3L), "[1,2,3]"), x))
                        .reason());
        InvalidInputException shape = assertThrows(
                InvalidInputException.class, () -> InputTensor.decode(input("FP32", List.of(1L, 4L), "[1,2,3,4]"), x));
        assertTrue(shape.getMessage().contains("shape"), shape.getMessage());
        assertThrows(InvalidInputException.class, () -> InputTensor.decode(input("FP32", List.of(3L), "[1,2,3]"), x));
        // unknown rank: any shape goes
        TensorSpec any = new TensorSpec("t", Datatype.FP32, null);
        assertEquals(
                4,
                InputTensor.decode(input("FP32", List.of(2L, 2L), "[[1,2],[3,4]]"), any)
                        .size());
        // a TensorFlow type without an Open Inference Protocol datatype cannot be fed
        assertThrows(
                InvalidInputException.class,
                () -> InputTensor.decode(input("FP32", List.of(1L), "[1]"), new TensorSpec("t", null, List.of(1L))));
    }

    private static InvalidInputException.Reason refused(RequestInput input) {
        return assertThrows(InvalidInputException.class, () -> InputTensor.decode(input))
                .reason();
    }

    static List<Long> toLongs(String json) {
        List<Long> out = new ArrayList<>();
        Json.read(json, JsonNode.class).forEach(n -> out.add(n.longValue()));
        return out;
    }
}
