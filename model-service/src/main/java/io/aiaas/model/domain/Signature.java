package io.aiaas.model.domain;

import java.util.List;
import java.util.Optional;

/** A SavedModel signature: named inputs and outputs, each sorted by name. */
public record Signature(List<TensorSpec> inputs, List<TensorSpec> outputs) {
    public static final String SERVING_DEFAULT = "serving_default";

    public Optional<TensorSpec> input(String name) {
        return inputs.stream().filter(i -> i.name().equals(name)).findFirst();
    }
}
