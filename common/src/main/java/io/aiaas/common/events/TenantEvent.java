package io.aiaas.common.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * What every gateway replica and service must learn at once, on {@link Topics#TENANT_EVENTS}, keyed by tenant id.
 *
 * @param type one of the {@code TYPE_*} constants
 * @param tenantId the tenant concerned; null for a change of a plan's own limits (then {@code plan} names it) and for
 *     heartbeats
 * @param at when the change committed; for a heartbeat, the watermark: every event committed before it has been
 *     published to this partition already
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TenantEvent(String eventId, String type, String tenantId, String keyId, String plan, Instant at) {
    public static final String TYPE_KEY_REVOKED = "key.revoked";
    public static final String TYPE_TENANT_SUSPENDED = "tenant.suspended";
    public static final String TYPE_TENANT_RESUMED = "tenant.resumed";
    public static final String TYPE_TENANT_DELETED = "tenant.deleted";
    public static final String TYPE_PLAN_CHANGED = "plan.changed";
    /** Sent by tenant-service's outbox relay to every partition after a pass that published everything pending. */
    public static final String TYPE_HEARTBEAT = "heartbeat";
}
