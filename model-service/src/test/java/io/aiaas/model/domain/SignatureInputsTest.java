package io.aiaas.model.domain;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.ProblemType;
import io.aiaas.common.json.Json;
import io.aiaas.common.oip.Datatype;
import io.aiaas.common.oip.RequestInput;
import java.util.Arrays;
import java.util.List;
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
    }

    @Test
    void refusesWhatDoesNotFitTheSignature() {
        assertUnprocessable(DENSE, input("x", "FP64", "[1,2,3]", 1, 3));
        assertUnprocessable(DENSE, input("x", "FP32", "[1,2,3,4]", 1, 4));
        assertUnprocessable(DENSE, input("x", "FP32", "[1,2,3]", 3));
        assertUnprocessable(DENSE, input("x", "FP32", "[1,2]", 1, 3));
        assertUnprocessable(DENSE, input("x", "FP32", "[1,2,\"3\"]", 1, 3));
        assertUnprocessable(DENSE, input("z", "FP32", "[1,2,3]", 1, 3));
        assertUnprocessable(DENSE, input("x", "FLOAT", "[1,2,3]", 1, 3));
        assertUnprocessable(DENSE, input("x", "FP32", "[1,2,3]", 1, 3), input("x", "FP32", "[1,2,3]", 1, 3));
        assertUnprocessable(ANY_RANK, input("a", "FP32", "[1]", 1));
        assertUnprocessable(
                new Signature(List.of(new TensorSpec("i", Datatype.INT8, List.of(1L))), List.of()),
                input("i", "INT8", "[300]", 1));
        assertUnprocessable(
                new Signature(List.of(new TensorSpec("h", null, List.of(1L))), List.of()),
                input("h", "FP32", "[1]", 1));
    }

    @Test
    void unreadableTensorsAreBadRequests() {
        ApiException e = assertThrows(
                ApiException.class,
                () -> check(
                        DENSE,
                        new RequestInput("x", null, "FP32", null, Json.mapper().readTree("[1]"))));
        assertEquals(ProblemType.INVALID_REQUEST, e.type());
    }

    private static void assertUnprocessable(Signature signature, RequestInput... inputs) {
        ApiException e = assertThrows(ApiException.class, () -> check(signature, inputs));
        assertEquals(ProblemType.UNPROCESSABLE, e.type(), e.getMessage());
    }

    private static void check(Signature signature, RequestInput... inputs) {
        SignatureInputs.check("sig", signature, Arrays.asList(inputs));
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
