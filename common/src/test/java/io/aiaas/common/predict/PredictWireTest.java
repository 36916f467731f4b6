package io.aiaas.common.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.aiaas.common.oip.Datatype;
import io.aiaas.common.oip.InputTensor;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PredictWireTest {

    private static InputTensor input(String name, Datatype type, long[] shape, Object values) {
        return new InputTensor(name, type, shape, values);
    }

    @Test
    void aRequestOfEveryDatatypeComesBackAsItWasSent() {
        List<InputTensor> inputs = List.of(
                input("b", Datatype.BOOL, new long[] {2}, new boolean[] {true, false}),
                input("i8", Datatype.INT8, new long[] {2}, new byte[] {-128, 127}),
                input("u8", Datatype.UINT8, new long[] {1, 2}, new byte[] {(byte) 255, 0}),
                input("i16", Datatype.INT16, new long[] {2}, new short[] {Short.MIN_VALUE, Short.MAX_VALUE}),
                input("i32", Datatype.INT32, new long[] {3}, new int[] {Integer.MIN_VALUE, 0, Integer.MAX_VALUE}),
                input("i64", Datatype.INT64, new long[] {1}, new long[] {Long.MIN_VALUE}),
                input("f32", Datatype.FP32, new long[] {2, 2}, new float[] {1.5f, Float.NaN, -0f, Float.MAX_VALUE}),
                input("f64", Datatype.FP64, new long[] {}, new double[] {Math.PI}),
                input("s", Datatype.BYTES, new long[] {2}, new byte[][] {
                    "héllo".getBytes(StandardCharsets.UTF_8), new byte[] {0, (byte) 0xff}
                }));
        PredictRequest sent = new PredictRequest(
                "req_1", "ten_1", "mdl_1", 3, "serving_default", 1234567890123L, 7, inputs, List.of("y", "z"), 12);

        PredictRequest got = PredictWire.decodeRequest(PredictWire.encode(sent));

        assertEquals("req_1", got.requestId());
        assertEquals("ten_1", got.tenantId());
        assertEquals("mdl_1", got.modelId());
        assertEquals(3, got.version());
        assertEquals("serving_default", got.signature());
        assertEquals(1234567890123L, got.deadlineEpochMillis());
        assertEquals(7, got.replyPartition());
        assertEquals(List.of("y", "z"), got.outputs());
        assertEquals(12, got.inFlight());
        assertEquals("mdl_1/3", got.partitionKey());
        assertEquals(inputs.size(), got.inputs().size());
        for (int i = 0; i < inputs.size(); i++) {
            InputTensor a = inputs.get(i);
            InputTensor b = got.inputs().get(i);
            assertEquals(a.name(), b.name());
            assertEquals(a.datatype(), b.datatype());
            assertArrayEquals(a.shape(), b.shape());
            assertValuesEqual(a.values(), b.values());
        }
    }

    @Test
    void aReplyWithOutputsAndAFailureReplyComeBack() {
        float[] big = new float[100_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = i * 0.5f;
        }
        PredictReply sent = new PredictReply(
                "req_2",
                PredictReply.OK,
                null,
                List.of(new OutputTensor("probs", Datatype.FP32, new long[] {1000, 100}, big)),
                "cpu",
                417,
                12,
                "wrk_a");
        PredictReply got = PredictWire.decodeReply(PredictWire.encode(sent));
        assertEquals("req_2", got.requestId());
        assertEquals(200, got.status());
        assertNull(got.detail());
        assertEquals("cpu", got.device());
        assertEquals(417, got.computeMicros());
        assertEquals(12, got.batchRequests());
        assertEquals("wrk_a", got.workerId());
        assertArrayEquals(new long[] {1000, 100}, got.outputs().get(0).shape());
        assertArrayEquals(big, (float[]) got.outputs().get(0).values());

        PredictReply failure = PredictWire.decodeReply(
                PredictWire.encode(PredictReply.failure("req_3", 400, "The model refused the input: ü", "gpu", "w")));
        assertEquals(400, failure.status());
        assertEquals("The model refused the input: ü", failure.detail());
        assertEquals(List.of(), failure.outputs());
    }

    @Test
    void truncatedForeignOrMislabelledRecordsAreRefused() {
        byte[] good = PredictWire.encode(new PredictRequest(
                "req_1",
                "t",
                "m",
                1,
                "s",
                1,
                0,
                List.of(input("x", Datatype.FP32, new long[] {1, 4}, new float[4])),
                List.of()));
        for (int cut : new int[] {0, 2, 3, 10, good.length - 1}) {
            byte[] truncated = Arrays.copyOf(good, cut);
            assertThrows(PredictWire.MalformedRecordException.class, () -> PredictWire.decodeRequest(truncated));
        }
        assertThrows(PredictWire.MalformedRecordException.class, () -> PredictWire.decodeReply(good));
        assertThrows(
                PredictWire.MalformedRecordException.class,
                () -> PredictWire.decodeRequest("{\"json\":1}".getBytes(StandardCharsets.UTF_8)));
        byte[] future = good.clone();
        future[2] = 9;
        assertThrows(PredictWire.MalformedRecordException.class, () -> PredictWire.decodeRequest(future));
    }

    private static void assertValuesEqual(Object a, Object b) {
        if (a instanceof boolean[] x) {
            assertArrayEquals(x, (boolean[]) b);
        } else if (a instanceof byte[] x) {
            assertArrayEquals(x, (byte[]) b);
        } else if (a instanceof short[] x) {
            assertArrayEquals(x, (short[]) b);
        } else if (a instanceof int[] x) {
            assertArrayEquals(x, (int[]) b);
        } else if (a instanceof long[] x) {
            assertArrayEquals(x, (long[]) b);
        } else if (a instanceof float[] x) {
            assertArrayEquals(x, (float[]) b);
        } else if (a instanceof double[] x) {
            assertArrayEquals(x, (double[]) b);
        } else {
            byte[][] x = (byte[][]) a;
            byte[][] y = (byte[][]) b;
            assertEquals(x.length, y.length);
            for (int i = 0; i < x.length; i++) {
                assertArrayEquals(x[i], y[i]);
            }
        }
    }
}
