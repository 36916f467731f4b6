package io.aiaas.worker.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.oip.Datatype;
import io.aiaas.common.oip.InputTensor;
import io.aiaas.common.oip.Signature;
import io.aiaas.common.oip.TensorSpec;
import io.aiaas.common.predict.OutputTensor;
import io.aiaas.common.predict.PredictRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class PredictionBatcherTest {
    private static final List<Long> VARIABLE_BY_3 = List.of(-1L, 3L);

    /** x FP32 [-1, 3] → y FP32 [-1, 2], as the dense test model. */
    private static final Signature DENSE = new Signature(
            List.of(new TensorSpec("x", Datatype.FP32, VARIABLE_BY_3)),
            List.of(new TensorSpec("y", Datatype.FP32, List.of(-1L, 2L))));

    private static int seq;

    private static PredictRequest request(InputTensor... inputs) {
        return new PredictRequest(
                "req_" + (++seq), "tnt_1", "mdl_1", 1, "serving_default", Long.MAX_VALUE, 0, List.of(inputs), null);
    }

    private static InputTensor floats(String name, long[] shape, float... values) {
        return new InputTensor(name, Datatype.FP32, shape, values);
    }

    private static PredictRequest row(float a, float b, float c) {
        return request(floats("x", new long[] {1, 3}, a, b, c));
    }

    @Test
    void aSignatureIsBatchableWhenEveryInputAndOutputHasAVariableOrUnknownFirstDimension() {
        assertTrue(PredictionBatcher.batchable(DENSE));
        assertTrue(PredictionBatcher.batchable(new Signature(
                List.of(new TensorSpec("x", Datatype.FP32, null)),
                List.of(new TensorSpec("y", Datatype.FP32, List.of(-1L))))));
        assertFalse(
                PredictionBatcher.batchable(
                        new Signature(List.of(new TensorSpec("x", Datatype.FP32, List.of(1L, 3L))), DENSE.outputs())),
                "a fixed batch of one");
        assertFalse(
                PredictionBatcher.batchable(
                        new Signature(DENSE.inputs(), List.of(new TensorSpec("total", Datatype.FP32, List.of())))),
                "a scalar output (a sum over rows) cannot be split by rows");
        assertFalse(
                PredictionBatcher.batchable(
                        new Signature(DENSE.inputs(), List.of(new TensorSpec("y", Datatype.FP32, List.of(2L, -1L))))),
                "an output whose first dimension is fixed");
    }

    @Test
    void requestsOfABatchableSignatureRunAsOneWithTheirRowsJoined() {
        PredictRequest a = row(1, 2, 3);
        PredictRequest b = request(floats("x", new long[] {2, 3}, 4, 5, 6, 7, 8, 9));
        PredictRequest c = row(10, 11, 12);
        List<PredictionBatcher.Run> runs = PredictionBatcher.plan(DENSE, List.of(a, b, c));
        assertEquals(1, runs.size());
        PredictionBatcher.Run run = runs.get(0);
        assertEquals(List.of(a, b, c), run.requests());
        assertArrayEquals(new long[] {1, 2, 1}, run.rows());
        assertTrue(run.joined());
        InputTensor x = run.inputs().get(0);
        assertArrayEquals(new long[] {4, 3}, x.shape());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, (float[]) x.values());
    }

    @Test
    void outputsAreSplitBackByRowsInTheRequestsOrder() {
        PredictRequest a = row(1, 2, 3);
        PredictRequest b = request(floats("x", new long[] {2, 3}, 4, 5, 6, 7, 8, 9));
        PredictionBatcher.Run run = PredictionBatcher.plan(DENSE, List.of(a, b)).get(0);
        OutputTensor y = new OutputTensor("y", Datatype.FP32, new long[] {3, 2}, new float[] {1, 2, 3, 4, 5, 6});
        OutputTensor ids = new OutputTensor("id", Datatype.INT64, new long[] {3}, new long[] {7, 8, 9});
        List<List<OutputTensor>> split = PredictionBatcher.split(run, List.of(y, ids));
        assertEquals(2, split.size());
        assertArrayEquals(new long[] {1, 2}, split.get(0).get(0).shape());
        assertArrayEquals(new float[] {1, 2}, (float[]) split.get(0).get(0).values());
        assertArrayEquals(new long[] {1}, split.get(0).get(1).shape());
        assertArrayEquals(new long[] {7}, (long[]) split.get(0).get(1).values());
        assertArrayEquals(new long[] {2, 2}, split.get(1).get(0).shape());
        assertArrayEquals(
                new float[] {3, 4, 5, 6}, (float[]) split.get(1).get(0).values());
        assertArrayEquals(new long[] {8, 9}, (long[]) split.get(1).get(1).values());
    }

    @Test
    void anOutputWithoutTheRunsRowsCannotBeSplit() {
        PredictionBatcher.Run run = PredictionBatcher.plan(DENSE, List.of(row(1, 2, 3), row(4, 5, 6)))
                .get(0);
        OutputTensor summed = new OutputTensor("y", Datatype.FP32, new long[] {1, 2}, new float[] {1, 2});
        assertThrows(IllegalStateException.class, () -> PredictionBatcher.split(run, List.of(summed)));
        OutputTensor scalar = new OutputTensor("y", Datatype.FP32, new long[] {}, new float[] {1});
        assertThrows(IllegalStateException.class, () -> PredictionBatcher.split(run, List.of(scalar)));
    }

    @Test
    void requestsOfASignatureThatIsNotBatchableRunAlone() {
        Signature fixed = new Signature(List.of(new TensorSpec("x", Datatype.FP32, List.of(1L, 3L))), DENSE.outputs());
        PredictRequest a = row(1, 2, 3);
        PredictRequest b = row(4, 5, 6);
        List<PredictionBatcher.Run> runs = PredictionBatcher.plan(fixed, List.of(a, b));
        assertEquals(2, runs.size());
        assertEquals(List.of(a), runs.get(0).requests());
        assertEquals(List.of(b), runs.get(1).requests());
        assertFalse(runs.get(0).joined());
        assertSame(a.inputs(), runs.get(0).inputs(), "a request alone is fed as it came");
    }

    @Test
    void requestsWhoseInnerDimensionsDifferRunApart() {
        Signature anyWidth = new Signature(
                List.of(new TensorSpec("x", Datatype.FP32, List.of(-1L, -1L))),
                List.of(new TensorSpec("y", Datatype.FP32, List.of(-1L, -1L))));
        PredictRequest three1 = row(1, 2, 3);
        PredictRequest four = request(floats("x", new long[] {1, 4}, 1, 2, 3, 4));
        PredictRequest three2 = row(4, 5, 6);
        List<PredictionBatcher.Run> runs = PredictionBatcher.plan(anyWidth, List.of(three1, four, three2));
        assertEquals(2, runs.size());
        assertEquals(List.of(three1, three2), runs.get(0).requests(), "the rows of width 3 together");
        assertEquals(List.of(four), runs.get(1).requests(), "the row of width 4 alone");
    }

    @Test
    void aRequestWhoseInputsDisagreeOnTheirRowsRunsAlone() {
        Signature two = new Signature(
                List.of(
                        new TensorSpec("a", Datatype.FP32, List.of(-1L, 1L)),
                        new TensorSpec("b", Datatype.INT64, List.of(-1L))),
                List.of(new TensorSpec("y", Datatype.FP32, List.of(-1L))));
        PredictRequest good1 = request(
                floats("a", new long[] {1, 1}, 1),
                new InputTensor("b", Datatype.INT64, new long[] {1}, new long[] {1}));
        // the inputs given in another order still join
        PredictRequest good2 = request(
                new InputTensor("b", Datatype.INT64, new long[] {2}, new long[] {2, 3}),
                floats("a", new long[] {2, 1}, 2, 3));
        PredictRequest ragged = request(
                floats("a", new long[] {2, 1}, 1, 2),
                new InputTensor("b", Datatype.INT64, new long[] {3}, new long[] {1, 2, 3}));
        List<PredictionBatcher.Run> runs = PredictionBatcher.plan(two, List.of(good1, ragged, good2));
        assertEquals(2, runs.size());
        assertEquals(List.of(good1, good2), runs.get(0).requests());
        assertEquals(List.of(ragged), runs.get(1).requests());
        PredictionBatcher.Run joined = runs.get(0);
        assertEquals("a", joined.inputs().get(0).name());
        assertArrayEquals(
                new float[] {1, 2, 3}, (float[]) joined.inputs().get(0).values());
        assertArrayEquals(new long[] {1, 2, 3}, (long[]) joined.inputs().get(1).values());
        assertArrayEquals(new long[] {3}, joined.inputs().get(1).shape());
    }

    @Test
    void scalarInputsAreNotJoined() {
        Signature unknown = new Signature(
                List.of(new TensorSpec("x", Datatype.FP32, null)), List.of(new TensorSpec("y", Datatype.FP32, null)));
        PredictRequest a = request(floats("x", new long[] {}, 1));
        PredictRequest b = request(floats("x", new long[] {}, 2));
        assertEquals(2, PredictionBatcher.plan(unknown, List.of(a, b)).size());
    }

    @Test
    void bytesAreJoinedAndSplitToo() {
        Signature text = new Signature(
                List.of(new TensorSpec("s", Datatype.BYTES, List.of(-1L))),
                List.of(new TensorSpec("t", Datatype.BYTES, List.of(-1L))));
        PredictRequest a = request(new InputTensor("s", Datatype.BYTES, new long[] {1}, new byte[][] {bytes("a")}));
        PredictRequest b =
                request(new InputTensor("s", Datatype.BYTES, new long[] {2}, new byte[][] {bytes("b"), bytes("c")}));
        PredictionBatcher.Run run = PredictionBatcher.plan(text, List.of(a, b)).get(0);
        byte[][] joined = (byte[][]) run.inputs().get(0).values();
        assertEquals(
                List.of("a", "b", "c"),
                Arrays.stream(joined).map(PredictionBatcherTest::text).toList());
        OutputTensor t = new OutputTensor(
                "t", Datatype.BYTES, new long[] {3}, new byte[][] {bytes("A"), bytes("B"), bytes("C")});
        List<List<OutputTensor>> split = PredictionBatcher.split(run, List.of(t));
        assertEquals(
                List.of("B", "C"),
                Arrays.stream((byte[][]) split.get(1).get(0).values())
                        .map(PredictionBatcherTest::text)
                        .toList());
    }

    @Test
    void aBatchIsTakenWithinItsBoundsAndALargeRequestStillRunsAlone() {
        ArrayDeque<PredictRequest> queue = new ArrayDeque<>();
        for (int i = 0; i < 5; i++) {
            queue.add(row(i, i, i));
        }
        assertEquals(
                3, PredictionBatcher.take(queue, Function.identity(), 3, 100).size(), "by requests");
        assertEquals(2, queue.size());

        queue.clear();
        PredictRequest big = request(floats("x", new long[] {4, 3}, new float[12]));
        queue.add(big);
        queue.add(row(1, 1, 1));
        List<PredictRequest> first = PredictionBatcher.take(queue, Function.identity(), 64, 2);
        assertEquals(List.of(big), first, "four rows over a bound of two: alone, and not held back");
        queue.add(row(2, 2, 2));
        queue.add(row(3, 3, 3));
        assertEquals(
                2, PredictionBatcher.take(queue, Function.identity(), 64, 2).size(), "by rows");
        assertEquals(1, queue.size());

        queue.clear();
        for (int i = 0; i < 3; i++) {
            queue.add(row(i, i, i));
        }
        assertEquals(
                1, PredictionBatcher.take(queue, Function.identity(), 1, 1024).size(), "batching off");
    }

    @Test
    void computeIsSharedByRows() {
        PredictionBatcher.Run run = PredictionBatcher.plan(
                        DENSE, List.of(row(1, 2, 3), request(floats("x", new long[] {3, 3}, new float[9]))))
                .get(0);
        assertArrayEquals(new long[] {100, 300}, PredictionBatcher.shares(run, 400));
    }

    @Test
    void aRequestThatDoesNotFitTheLoadedSignatureIsRefusedBeforeAnyBatch() {
        assertNull(PredictionBatcher.refusal("serving_default", DENSE, row(1, 2, 3)));
        assertTrue(
                PredictionBatcher.refusal("serving_default", DENSE, request(floats("x", new long[] {1, 4}, 1, 2, 3, 4)))
                        .contains("shape [1, 4]"));
        assertTrue(PredictionBatcher.refusal(
                        "serving_default",
                        DENSE,
                        request(new InputTensor("x", Datatype.FP64, new long[] {1, 3}, new double[3])))
                .contains("must be FP32"));
        assertTrue(PredictionBatcher.refusal("serving_default", DENSE, request(floats("z", new long[] {1, 3}, 1, 2, 3)))
                .contains("no input 'z'"));
        assertTrue(
                PredictionBatcher.refusal("serving_default", DENSE, request()).contains("needs input 'x'"));
        PredictRequest unknownOutput = new PredictRequest(
                "req_o",
                "tnt_1",
                "mdl_1",
                1,
                "serving_default",
                Long.MAX_VALUE,
                0,
                List.of(floats("x", new long[] {1, 3}, 1, 2, 3)),
                List.of("nope"));
        assertTrue(PredictionBatcher.refusal("serving_default", DENSE, unknownOutput)
                .contains("no output 'nope'"));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
