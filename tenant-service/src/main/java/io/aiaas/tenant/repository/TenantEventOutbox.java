package io.aiaas.tenant.repository;

import io.aiaas.common.events.TenantEvent;
import io.aiaas.common.events.Topics;
import io.aiaas.common.id.Ids;
import io.aiaas.common.json.Json;
import io.aiaas.messaging.outbox.OutboxWriter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;

/**
 * Tenant events, written to the outbox in the transaction of the change they announce: published if and only if it
 * commits, in the order of the changes per tenant (the record key).
 */
@ApplicationScoped
@Transactional(Transactional.TxType.MANDATORY)
public class TenantEventOutbox {
    private final OutboxWriter outbox;
    private final Event<OutboxWritten> written;

    public TenantEventOutbox(OutboxWriter outbox, Event<OutboxWritten> written) {
        this.outbox = outbox;
        this.written = written;
    }

    public void keyRevoked(String tenantId, String keyId, String requestId) {
        publish(TenantEvent.TYPE_KEY_REVOKED, tenantId, keyId, null, requestId);
    }

    /** {@code type}: suspended, resumed or deleted. */
    public void tenantStatusChanged(String type, String tenantId, String requestId) {
        publish(type, tenantId, null, null, requestId);
    }

    /** A tenant moved to {@code plan}. */
    public void tenantPlanChanged(String tenantId, String plan, String requestId) {
        publish(TenantEvent.TYPE_PLAN_CHANGED, tenantId, null, plan, requestId);
    }

    /** A plan's own limits changed: every tenant on it is concerned; keyed by the plan's name. */
    public void planLimitsChanged(String plan, String requestId) {
        publish(TenantEvent.TYPE_PLAN_CHANGED, null, null, plan, requestId);
    }

    private void publish(String type, String tenantId, String keyId, String plan, String requestId) {
        TenantEvent event = new TenantEvent(
                Ids.newId(Ids.EVENT), type, tenantId, keyId, plan, Instant.now().truncatedTo(ChronoUnit.MILLIS));
        Map<String, String> headers = new HashMap<>();
        if (requestId != null) {
            headers.put(Topics.HEADER_REQUEST_ID, requestId);
        }
        outbox.write(Topics.TENANT_EVENTS, tenantId != null ? tenantId : plan, Json.write(event), headers);
        written.fire(new OutboxWritten());
    }
}
