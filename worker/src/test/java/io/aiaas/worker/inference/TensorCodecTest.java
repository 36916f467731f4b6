package io.aiaas.worker.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.json.Json;
import io.aiaas.common.oip.Datatype;
import io.aiaas.common.oip.RequestInput;
import io.aiaas.common.oip.ResponseOutput;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Tensor;

class TensorCodecTest {

    static RequestInput input(String datatype, List<Long> shape, String json) {
        return new RequestInput("t", shape, datatype, null, Json.read(json, JsonNode.class));
    }

    static HostTensor decode(String datatype, List<Long> shape, String json) {
        return TensorCodec.decode(input(datatype, shape, json));
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
        assertArrayEquals(new float[] {1.5f, -2f}, (float[])
                decode("FP32", List.of(2L), "[1.5,-2]").values());
        assertArrayEquals(new double[] {0.1, Double.NaN}, (double[])
                decode("FP64", List.of(2L), "[0.1,\"NaN\"]").values());
        byte[][] bytes =
                (byte[][]) decode("BYTES", List.of(2L), "[\"héllo\",\"\"]").values();
        assertArrayEquals("héllo".getBytes(StandardCharsets.UTF_8), bytes[0]);
        assertEquals(0, bytes[1].length);
    }

    @Test
    void nestedAndFlatDataReadTheSameRowMajor() {
        HostTensor nested = decode("INT32", List.of(2L, 3L), "[[1,2,3],[4,5,6]]");
        HostTensor flat = decode("INT32", List.of(2L, 3L), "[1,2,3,4,5,6]");
        assertArrayEquals((int[]) flat.values(), (int[]) nested.values());
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6}, (int[]) nested.values());
        assertEquals(2, nested.batchSize());
        HostTensor scalar = decode("FP32", List.of(), "3.5");
        assertArrayEquals(new float[] {3.5f}, (float[]) scalar.values());
        assertEquals(1, scalar.batchSize());
        HostTensor empty = decode("FP32", List.of(0L, 3L), "[]");
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
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = ';',
            value = {
                "INT8;[128]",
                "INT16;[-32769]",
                "INT32;[2147483648]",
                "UINT8;[-1]",
                "UINT8;[256]",
                "INT64;[1.5]",
                "INT32;[\"1\"]",
                "BOOL;[1]",
                "FP32;[\"x\"]",
                "FP64;[true]",
                "BYTES;[1]"
            })
    void refusesValuesOutsideTheDatatype(String datatype, String data) {
        assertThrows(InvalidInputException.class, () -> decode(datatype, List.of(1L), data));
    }

    @Test
    void refusesBadDeclarations() {
        assertThrows(InvalidInputException.class, () -> decode("FP16", List.of(1L), "[1]"));
        assertThrows(InvalidInputException.class, () -> decode("FP32", null, "[1]"));
        assertThrows(InvalidInputException.class, () -> decode("FP32", List.of(-1L), "[1]"));
        assertThrows(
                InvalidInputException.class,
                () -> TensorCodec.decode(new RequestInput("t", List.of(1L), "FP32", null, null)));
        assertThrows(
                InvalidInputException.class,
                () -> TensorCodec.decode(new RequestInput(null, List.of(1L), "FP32", null, null)));
        assertThrows(InvalidInputException.class, () -> decode("FP32", List.of(1L << 20, 1L << 20), "[1]"));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = ';',
            value = {
                "BOOL;[2,2];[[true,false],[false,true]];[true,false,false,true]",
                "INT32;[2,2];[[1,-2],[3,2147483647]];[1,-2,3,2147483647]",
                "INT64;[3];[1,-9223372036854775808,3];[1,-9223372036854775808,3]",
                "UINT8;[1,3];[[0,128,255]];[0,128,255]",
                "FP32;[2];[1.5,-0.25];[1.5,-0.25]",
                "FP64;[1,1,2];[[[0.1,1e300]]];[0.1,1.0E300]",
                "BYTES;[2];[\"a b\",\"ü\"];[\"a b\",\"ü\"]",
                "FP32;[];7;[7.0]"
            })
    void roundTripsThroughTensorFlow(String datatype, String shape, String data, String flat) {
        HostTensor host = decode(datatype, toLongs(shape), data);
        try (Tensor tensor = TensorCodec.toTensor(host)) {
            assertArrayEquals(host.shape(), tensor.shape().asArray());
            ResponseOutput out = TensorCodec.toOutput("out", tensor);
            assertEquals(datatype, out.datatype());
            assertEquals(toLongs(shape), out.shape());
            assertEquals(Json.read(flat, JsonNode.class).toString(), out.data().toString());
            assertEquals(
                    Datatype.valueOf(datatype).tensorflowName(),
                    tensor.dataType().name());
        }
    }

    @Test
    void eightAndSixteenBitSignedIntegersCannotBeFed() {
        // TensorFlow Java 1.1.0 has no TInt8 / TInt16 tensor classes.
        assertThrows(InvalidInputException.class, () -> TensorCodec.toTensor(decode("INT8", List.of(1L), "[1]")));
        assertThrows(InvalidInputException.class, () -> TensorCodec.toTensor(decode("INT16", List.of(1L), "[1]")));
    }

    static List<Long> toLongs(String json) {
        List<Long> out = new java.util.ArrayList<>();
        Json.read(json, JsonNode.class).forEach(n -> out.add(n.longValue()));
        return out;
    }
}
