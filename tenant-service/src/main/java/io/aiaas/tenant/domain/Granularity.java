package io.aiaas.tenant.domain;

import java.util.Optional;

/** The width of usage buckets; both are UTC. */
public enum Granularity {
    HOUR("hour"),
    DAY("day");

    private final String value;

    Granularity(String value) {
        this.value = value;
    }

    /** The unit name PostgreSQL's {@code date_trunc} takes. */
    public String value() {
        return value;
    }

    public static Optional<Granularity> of(String value) {
        for (Granularity g : values()) {
            if (g.value.equals(value)) {
                return Optional.of(g);
            }
        }
        return Optional.empty();
    }
}
