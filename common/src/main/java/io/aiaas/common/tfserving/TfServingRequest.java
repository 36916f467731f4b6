package io.aiaas.common.tfserving;

import io.aiaas.common.oip.InputTensor;
import io.aiaas.common.oip.RequestInput;
import io.aiaas.common.oip.Signature;
import io.aiaas.common.oip.SignatureInputs;
import java.util.List;

/**
 * A TF Serving predict body read into Open Inference Protocol inputs: each with the signature's datatype, the shape
 * its nesting has (row form: stacked along a new first dimension) and its data nested as that shape says. BYTES data
 * given as {@code {"b64": …}} is held as Jackson {@code BinaryNode}s, which {@link InputTensor#decode} reads as those
 * bytes; such an input is for decoding here, not for writing back out as JSON (it would come back as plain text).
 *
 * @param columnar whether the body used {@code inputs} (the answer then uses {@code outputs}), else {@code instances}
 *     (the answer uses {@code predictions})
 */
public record TfServingRequest(List<RequestInput> inputs, boolean columnar) {

    public TfServingRequest {
        inputs = List.copyOf(inputs);
    }

    /**
     * The typed tensors, through the one input check ({@link SignatureInputs#decode}): every input once, datatype
     * range, shape against the signature.
     *
     * @throws io.aiaas.common.oip.InvalidInputException for values that do not fit
     */
    public List<InputTensor> tensors(String signatureName, Signature signature) {
        return SignatureInputs.decode(signatureName, signature, inputs);
    }
}
