package io.aiaas.model.domain;

import io.aiaas.common.oip.Datatype;
import java.util.List;

/**
 * A tensor of a signature.
 *
 * @param datatype the Open Inference Protocol datatype; null when TensorFlow's type has none (DT_HALF, DT_RESOURCE…):
 *     the signature is still listed, but a job feeding such an input is refused (422)
 * @param shape dimensions, -1 where any size goes; null when the rank is unknown
 */
public record TensorSpec(String name, Datatype datatype, List<Long> shape) {}
