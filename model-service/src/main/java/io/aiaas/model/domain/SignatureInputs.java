package io.aiaas.model.domain;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.oip.Datatype;
import io.aiaas.common.oip.RequestInput;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks Open Inference Protocol input tensors against a stored signature before a job is accepted: every input named
 * once, the signature's datatype, its rank and fixed dimensions, and as many data elements, of the right kind, as
 * the shape holds. Unreadable tensors are 400; tensors that do not fit the signature are 422.
 */
public final class SignatureInputs {
    private SignatureInputs() {}

    public static void check(String signatureName, Signature signature, List<RequestInput> inputs) {
        Set<String> given = new HashSet<>();
        for (int i = 0; i < inputs.size(); i++) {
            RequestInput input = inputs.get(i);
            if (input == null || input.name() == null || input.datatype() == null || input.shape() == null) {
                throw ApiException.badRequest("inputs[" + i + "] needs 'name', 'shape', 'datatype' and 'data'.");
            }
            if (input.data() == null || input.data().isNull()) {
                throw ApiException.badRequest("inputs[" + i + "] needs 'name', 'shape', 'datatype' and 'data'.");
            }
            if (!given.add(input.name())) {
                throw ApiException.unprocessable("Input '" + input.name() + "' is given more than once.");
            }
            TensorSpec spec = signature
                    .input(input.name())
                    .orElseThrow(() -> ApiException.unprocessable("Signature '" + signatureName + "' has no input '"
                            + input.name() + "'; its inputs are " + names(signature) + "."));
            checkOne(input, spec);
        }
        for (TensorSpec spec : signature.inputs()) {
            if (!given.contains(spec.name())) {
                throw ApiException.unprocessable(
                        "Input '" + spec.name() + "' of signature '" + signatureName + "' is missing.");
            }
        }
    }

    private static void checkOne(RequestInput input, TensorSpec spec) {
        String name = input.name();
        Datatype datatype = Datatype.parse(input.datatype())
                .orElseThrow(() -> ApiException.unprocessable(
                        "Input '" + name + "' has an unknown datatype '" + input.datatype() + "'."));
        if (spec.datatype() == null) {
            throw ApiException.unprocessable(
                    "Input '" + name + "' has a TensorFlow type the platform cannot feed; the model cannot be served.");
        }
        if (datatype != spec.datatype()) {
            throw ApiException.unprocessable(
                    "Input '" + name + "' must be " + spec.datatype() + ", not " + datatype + ".");
        }
        List<Long> shape = input.shape();
        long elements = 1;
        for (Long dim : shape) {
            if (dim == null || dim < 0) {
                throw ApiException.unprocessable("Input '" + name + "' has a negative or missing dimension.");
            }
            try {
                elements = Math.multiplyExact(elements, dim);
            } catch (ArithmeticException e) {
                throw ApiException.unprocessable("Input '" + name + "' has an impossibly large shape.");
            }
        }
        if (spec.shape() != null) {
            if (shape.size() != spec.shape().size()) {
                throw ApiException.unprocessable("Input '" + name + "' must have rank "
                        + spec.shape().size() + " (shape " + spec.shape() + "), not " + shape.size() + ".");
            }
            for (int d = 0; d < shape.size(); d++) {
                long expected = spec.shape().get(d);
                if (expected >= 0 && shape.get(d) != expected) {
                    throw ApiException.unprocessable("Input '" + name + "' has shape " + shape
                            + " where the signature expects " + spec.shape() + ".");
                }
            }
        }
        long[] count = {0};
        countElements(name, input.data(), datatype, count);
        if (count[0] != elements) {
            throw ApiException.unprocessable("Input '" + name + "' has " + count[0] + " data elements; shape " + shape
                    + " holds " + elements + ".");
        }
    }

    private static void countElements(String name, JsonNode node, Datatype datatype, long[] count) {
        if (node.isArray()) {
            for (JsonNode child : node) {
                countElements(name, child, datatype, count);
            }
            return;
        }
        if (!fits(node, datatype)) {
            throw ApiException.unprocessable("Input '" + name + "' holds a value that is not " + datatype + ": "
                    + abbreviate(node.toString()) + ".");
        }
        count[0]++;
    }

    private static boolean fits(JsonNode value, Datatype datatype) {
        return switch (datatype) {
            case BOOL -> value.isBoolean();
            case BYTES -> value.isTextual();
            case FP32, FP64 -> value.isNumber();
            case INT8 -> integral(value, Byte.MIN_VALUE, Byte.MAX_VALUE);
            case INT16 -> integral(value, Short.MIN_VALUE, Short.MAX_VALUE);
            case INT32 -> integral(value, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case INT64 -> value.isIntegralNumber() && value.canConvertToLong();
            case UINT8 -> integral(value, 0, 255);
        };
    }

    private static boolean integral(JsonNode value, long min, long max) {
        return value.isIntegralNumber()
                && value.canConvertToLong()
                && value.longValue() >= min
                && value.longValue() <= max;
    }

    private static List<String> names(Signature signature) {
        return signature.inputs().stream().map(TensorSpec::name).toList();
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
