package io.aiaas.common.oip;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.aiaas.common.json.Json;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SignatureInputsTest {
    private static final Signature DENSE = new Signature(
            List.of(new TensorSpec("x", Datatype.FP32, List.of(-1L, 3L))),
            List.of(new TensorSpec("y", Datatype.FP32, List.of(-1L, 2L))));
    private static final Signature ANY_RANK = new Signature(
            List.of(new TensorSpec("a", Datatype.FP32, null), new TensorSpec("b", Datatype.FP32, null)),
            List.of(new TensorSpec("output_0", Datatype.FP32, null)));

    @Test
    void acceptsMatchingTensorsFlatOrNested() {
        assertDoesNotThrow(() -> check(DENSE, input("x", "FP32", "[[1,2,3],[4,5,6]]", 2, 3)));
        assertDoesNotThrow(() -> check(DENSE, input("x", "FP32", "[1,2,3]", 1, 3)));
        assertDoesNotThrow(() -> check(ANY_RANK, input("a", "FP32", "2.0"), input("b", "FP32", "[1,2]", 2)));
        assertEquals(
                List.of("b", "a"),
                SignatureInputs.decode("sig", ANY_RANK, List.of(input("b", "FP32", "1"), input("a", "FP32", "2")))
                        .stream()
                        .map(InputTensor::name)
                        .toList());
    }

    @Test
    void refusesWhatDoesNotFitTheSignature() {
        assertMismatch(DENSE, input("x", "FP64", "[1,2,3]", 1, 3));
        assertMismatch(DENSE, input("x", "FP32", "[1,2,3,4]", 1, 4));
        assertMismatch(DENSE, input("x", "FP32", "[1,2,3]", 3));
        assertMismatch(DENSE, input("x", "FP32", "[1,2]", 1, 3));
        assertMismatch(DENSE, input("x", "FP32", "[1,2,\"3\"]", 1, 3));
        assertMismatch(DENSE, input("z", "FP32", "[1,2,3]", 1, 3));
        assertMismatch(DENSE, input("x", "FLOAT", "[1,2,3]", 1, 3));
        assertMismatch(DENSE, input("x", "FP32", "[1,2,3]", 1, 3), input("x", "FP32", "[1,2,3]", 1, 3));
        assertMismatch(DENSE, input("x", "FP32", "[1,2,1e400]", 1, 3));
        assertMismatch(ANY_RANK, input("a", "FP32", "[1]", 1));
        assertMismatch(
                new Signature(List.of(new TensorSpec("i", Datatype.INT8, List.of(1L))), List.of()),
                input("i", "INT8", "[300]", 1));
        assertMismatch(
                new Signature(List.of(new TensorSpec("h", null, List.of(1L))), List.of()),
                input("h", "FP32", "[1]", 1));
    }

    @Test
    void unreadableTensorsAreTold() throws Exception {
        InvalidInputException e = assertThrows(
                InvalidInputException.class,
                () -> check(
                        DENSE,
                        new RequestInput("x", null, "FP32", null, Json.mapper().readTree("[1]"))));
        assertEquals(InvalidInputException.Reason.UNREADABLE, e.reason());
        assertEquals(
                InvalidInputException.Reason.UNREADABLE,
                assertThrows(InvalidInputException.class, () -> SignatureInputs.decode("sig", DENSE, List.of()))
                        .reason());
    }

    @Test
    void choosesTheNamedSignatureElseServingDefaultElseTheOnlyOne() {
        Map<String, Signature> two = new TreeMap<>(Map.of("serving_default", DENSE, "other", ANY_RANK));
        assertEquals("other", Signature.choose(two, "other"));
        assertEquals("serving_default", Signature.choose(two, null));
        assertEquals("serving_default", Signature.choose(two, " "));
        assertEquals("add", Signature.choose(Map.of("add", ANY_RANK), null));
        // the init op of TF2 exports is never a signature to run, nor to count
        assertEquals("add", Signature.choose(Map.of("add", ANY_RANK, Signature.INIT_OP, DENSE), null));
        assertThrows(InvalidInputException.class, () -> Signature.choose(Map.of("add", ANY_RANK), Signature.INIT_OP));
        assertThrows(InvalidInputException.class, () -> Signature.choose(two, "nope"));
        InvalidInputException none = assertThrows(
                InvalidInputException.class, () -> Signature.choose(Map.of("a", DENSE, "b", ANY_RANK), null));
        assertEquals(InvalidInputException.Reason.MISMATCH, none.reason());
    }

    private static void assertMismatch(Signature signature, RequestInput... inputs) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> check(signature, inputs));
        assertEquals(InvalidInputException.Reason.MISMATCH, e.reason(), e.getMessage());
    }

    private static void check(Signature signature, RequestInput... inputs) {
        SignatureInputs.decode("sig", signature, Arrays.asList(inputs));
    }

    private static RequestInput input(String name, String datatype, String data, long... shape) {
        try {
            return new RequestInput(
                    name,
                    Arrays.stream(shape).boxed().toList(),
                    datatype,
                    null,
                    Json.mapper().readTree(data));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
