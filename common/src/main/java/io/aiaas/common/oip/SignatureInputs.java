package io.aiaas.common.oip;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The one check of a call's input tensors against a signature: every input of the signature given exactly once and
 * no other, each one decoded against its tensor ({@link InputTensor#decode(RequestInput, TensorSpec)}).
 */
public final class SignatureInputs {
    private SignatureInputs() {}

    /**
     * The decoded inputs, in the order given.
     *
     * @throws InvalidInputException unreadable for a tensor that cannot be read, a mismatch for one that does not fit
     */
    public static List<InputTensor> decode(String signatureName, Signature signature, List<RequestInput> inputs) {
        if (inputs == null || inputs.isEmpty()) {
            throw InvalidInputException.unreadable("The request has no inputs.");
        }
        Set<String> given = new HashSet<>();
        List<InputTensor> decoded = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            RequestInput input = inputs.get(i);
            if (input == null || input.name() == null) {
                throw InvalidInputException.unreadable(
                        "inputs[" + i + "] needs 'name', 'shape', 'datatype' and 'data'.");
            }
            if (!given.add(input.name())) {
                throw InvalidInputException.mismatch("Input '" + input.name() + "' is given more than once.");
            }
            TensorSpec spec = signature
                    .input(input.name())
                    .orElseThrow(() -> InvalidInputException.mismatch("Signature '" + signatureName + "' has no input '"
                            + input.name() + "'; its inputs are " + names(signature) + "."));
            decoded.add(InputTensor.decode(input, spec));
        }
        for (TensorSpec spec : signature.inputs()) {
            if (!given.contains(spec.name())) {
                throw InvalidInputException.mismatch(
                        "Input '" + spec.name() + "' of signature '" + signatureName + "' is missing.");
            }
        }
        return decoded;
    }

    private static List<String> names(Signature signature) {
        return signature.inputs().stream().map(TensorSpec::name).toList();
    }
}
