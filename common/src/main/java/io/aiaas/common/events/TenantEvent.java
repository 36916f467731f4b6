package io.aiaas.common.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * What every gateway replica and service must learn at once, on {@link Topics#TENANT_EVENTS}, keyed by tenant id.
 *
 * @param type one of the {@code TYPE_*} constants
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TenantEvent(String eventId, String type, String tenantId, String keyId, String plan, Instant at) {
    public static final String TYPE_KEY_REVOKED = "key.revoked";
    public static final String TYPE_TENANT_SUSPENDED = "tenant.suspended";
    public static final String TYPE_TENANT_RESUMED = "tenant.resumed";
    public static final String TYPE_TENANT_DELETED = "tenant.deleted";
    public static final String TYPE_PLAN_CHANGED = "plan.changed";
}
