package io.aiaas.common.oip;

import java.util.Optional;

/** The tensor datatypes the platform serves, with TensorFlow's names for them. */
public enum Datatype {
    BOOL("DT_BOOL"),
    INT8("DT_INT8"),
    INT16("DT_INT16"),
    INT32("DT_INT32"),
    INT64("DT_INT64"),
    UINT8("DT_UINT8"),
    FP32("DT_FLOAT"),
    FP64("DT_DOUBLE"),
    BYTES("DT_STRING");

    private final String tensorflowName;

    Datatype(String tensorflowName) {
        this.tensorflowName = tensorflowName;
    }

    public String tensorflowName() {
        return tensorflowName;
    }

    public static Optional<Datatype> fromTensorflow(String dtName) {
        for (Datatype d : values()) {
            if (d.tensorflowName.equals(dtName)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    public static Optional<Datatype> parse(String name) {
        for (Datatype d : values()) {
            if (d.name().equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }
}
