package io.aiaas.common.events;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

public enum JobType {
    INFERENCE,
    TRAINING;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static JobType fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
