package io.aiaas.common.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * One entry of the audit trail made outside tenant-service, on {@link Topics#AUDIT} keyed by tenant id (or
 * {@link #PLATFORM_KEY}): written to the producer's outbox in the transaction of the change, stored by tenant-service
 * once per {@code id} however often it is delivered.
 *
 * @param id unique per change (an {@code evt_…} id): what makes redeliveries harmless
 * @param actor who made the change: the internal token's {@code sub} (an API key id, an administrator), or
 *     {@link #SYSTEM} for what the platform does itself (a job's end)
 * @param action {@code <type>.<what happened>}, e.g. {@code model.created}, {@code job.cancel-requested}
 * @param target {@code <type>:<name or id>}, e.g. {@code model:my-model}, {@code version:my-model/3}
 * @param tenantId the tenant concerned; null for the platform catalogue
 * @param requestId the request that made the change (the gateway's {@code req_…} id); null for the platform's own
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditRecord(
        String id, Instant at, String actor, String action, String target, String tenantId, String requestId) {
    /** The actor of what the platform does on its own. */
    public static final String SYSTEM = "system";
    /** The record key of changes that concern no tenant (the platform catalogue). */
    public static final String PLATFORM_KEY = "platform";
}
