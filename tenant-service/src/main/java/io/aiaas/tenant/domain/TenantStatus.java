package io.aiaas.tenant.domain;

/** A tenant's life cycle; a deleted tenant is kept for usage and audit but is gone for every API. */
public enum TenantStatus {
    ACTIVE("active"),
    SUSPENDED("suspended"),
    DELETED("deleted");

    private final String value;

    TenantStatus(String value) {
        this.value = value;
    }

    public String value() {
        return value;
    }

    public static TenantStatus of(String value) {
        for (TenantStatus s : values()) {
            if (s.value.equals(value)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown tenant status");
    }
}
