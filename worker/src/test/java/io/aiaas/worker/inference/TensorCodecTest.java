package io.aiaas.worker.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.json.Json;
import io.aiaas.common.oip.Datatype;
import io.aiaas.common.oip.InputTensor;
import io.aiaas.common.oip.RequestInput;
import io.aiaas.common.oip.ResponseOutput;
import io.aiaas.common.predict.OutputTensor;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Tensor;

class TensorCodecTest {

    static RequestInput input(String datatype, List<Long> shape, String json) {
        return new RequestInput("t", shape, datatype, null, Json.read(json, JsonNode.class));
    }

    /** Decoded by common, as the worker's engine does before it builds tensors. */
    static InputTensor decode(String datatype, List<Long> shape, String json) {
        return InputTensor.decode(input(datatype, shape, json));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = ';',
            value = {
                "BOOL;[2,2];[[true,false],[false,true]];[true,false,false,true]",
                "INT32;[2,2];[[1,-2],[3,2147483647]];[1,-2,3,2147483647]",
                "INT64;[3];[1,-9223372036854775808,3];[1,-9223372036854775808,3]",
                "UINT8;[1,3];[[0,128,255]];[0,128,255]",
                "INT8;[2,2];[[-128,-1],[0,127]];[-128,-1,0,127]",
                "INT16;[3];[-32768,258,32767];[-32768,258,32767]",
                "FP32;[2];[1.5,-0.25];[1.5,-0.25]",
                "FP64;[1,1,2];[[[0.1,1e300]]];[0.1,1.0E300]",
                "BYTES;[2];[\"a b\",\"ü\"];[\"a b\",\"ü\"]",
                "FP32;[];7;[7.0]"
            })
    void roundTripsThroughTensorFlow(String datatype, String shape, String data, String flat) {
        InputTensor host = decode(datatype, toLongs(shape), data);
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

    @ParameterizedTest
    @CsvSource(
            delimiter = ';',
            value = {
                "BOOL;[2,2];[[true,false],[false,true]]",
                "INT32;[2,2];[[1,-2],[3,2147483647]]",
                "INT64;[3];[1,-9223372036854775808,3]",
                "UINT8;[1,3];[[0,128,255]]",
                "INT8;[2,2];[[-128,-1],[0,127]]",
                "INT16;[3];[-32768,258,32767]",
                "FP32;[2];[1.5,-0.25]",
                "FP64;[1,1,2];[[[0.1,1e300]]]",
                "BYTES;[2];[\"a b\",\"ü\"]",
                "FP32;[];7"
            })
    void outputsComeBackAsTypedArrays(String datatype, String shape, String data) {
        InputTensor host = decode(datatype, toLongs(shape), data);
        try (Tensor tensor = TensorCodec.toTensor(host)) {
            OutputTensor out = TensorCodec.toOutputTensor("out", tensor);
            assertEquals("out", out.name());
            assertEquals(host.datatype(), out.datatype());
            assertArrayEquals(host.shape(), out.shape());
            if (host.values() instanceof byte[][] strings) {
                assertArrayEquals(strings, (byte[][]) out.values());
            } else {
                assertTrue(java.util.Objects.deepEquals(host.values(), out.values()), datatype);
            }
        }
    }

    @Test
    void eightAndSixteenBitSignedIntegersAreTensorsOfTheirOwnType() {
        // TensorFlow Java 1.1.0 has no classes for them: NarrowIntegerTensors registers its own.
        try (Tensor int8 = TensorCodec.toTensor(decode("INT8", List.of(2L), "[-128,127]"));
                Tensor int16 = TensorCodec.toTensor(decode("INT16", List.of(2L), "[-32768,32767]"))) {
            assertInstanceOf(NarrowIntegerTensors.TInt8.class, int8);
            assertInstanceOf(NarrowIntegerTensors.TInt16.class, int16);
            assertEquals(2, int8.numBytes());
            assertEquals(4, int16.numBytes());
        }
    }

    static List<Long> toLongs(String json) {
        List<Long> out = new java.util.ArrayList<>();
        Json.read(json, JsonNode.class).forEach(n -> out.add(n.longValue()));
        return out;
    }
}
