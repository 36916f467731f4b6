package io.aiaas.model.domain;

/**
 * Who owns a model: a tenant, or the platform (its catalogue, readable by every tenant). Stored in
 * {@code tenant_id}; the platform's marker cannot collide with a tenant id ({@code ten_…}).
 */
public record Owner(String tenantId) {
    public static final String PLATFORM_MARKER = "platform";
    public static final Owner PLATFORM = new Owner(PLATFORM_MARKER);

    public static Owner tenant(String tenantId) {
        if (tenantId == null || tenantId.isBlank() || PLATFORM_MARKER.equals(tenantId)) {
            throw new IllegalArgumentException("not a tenant id");
        }
        return new Owner(tenantId);
    }

    public boolean isPlatform() {
        return PLATFORM_MARKER.equals(tenantId);
    }

    /** As the API shows it: {@code "tenant"} or {@code "platform"}. */
    public String kind() {
        return isPlatform() ? "platform" : "tenant";
    }
}
