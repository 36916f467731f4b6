package io.aiaas.common.oip;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A SavedModel signature: named inputs and outputs, each sorted by name. */
public record Signature(List<TensorSpec> inputs, List<TensorSpec> outputs) {
    /** The signature a call without a name gets, where the model has one. */
    public static final String SERVING_DEFAULT = "serving_default";

    /** What TF2 exports for its initialisation function: in the signature map, but not something a client can call. */
    public static final String INIT_OP = "__saved_model_init_op";

    public Signature {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    public Optional<TensorSpec> input(String name) {
        return inputs.stream().filter(i -> i.name().equals(name)).findFirst();
    }

    public Optional<TensorSpec> output(String name) {
        return outputs.stream().filter(o -> o.name().equals(name)).findFirst();
    }

    /**
     * The signature a call runs: {@code requested} when named, else {@code serving_default}, else the only one.
     *
     * @param signatures the model's callable signatures by name ({@link #INIT_OP} already left out)
     * @throws InvalidInputException (a mismatch) when there is no such signature or no way to choose one
     */
    public static String choose(Map<String, Signature> signatures, String requested) {
        if (requested != null && !requested.isBlank()) {
            if (!signatures.containsKey(requested) || INIT_OP.equals(requested)) {
                throw InvalidInputException.mismatch(
                        "The model has no signature '" + requested + "'; it has " + names(signatures) + ".");
            }
            return requested;
        }
        if (signatures.containsKey(SERVING_DEFAULT)) {
            return SERVING_DEFAULT;
        }
        List<String> callable = names(signatures);
        if (callable.size() == 1) {
            return callable.get(0);
        }
        throw InvalidInputException.mismatch(
                "The model has no '" + SERVING_DEFAULT + "' signature; name one of " + callable + ".");
    }

    /** Whether a signature of this name is one a client can call. */
    public static boolean callable(String name) {
        return !INIT_OP.equals(name);
    }

    private static List<String> names(Map<String, Signature> signatures) {
        return signatures.keySet().stream().filter(Signature::callable).sorted().toList();
    }
}
