package io.aiaas.tenant.service;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.events.AuditRecord;
import io.aiaas.common.id.Ids;
import io.aiaas.common.page.Cursor;
import io.aiaas.common.page.Page;
import io.aiaas.common.page.PageRequest;
import io.aiaas.tenant.domain.Actor;
import io.aiaas.tenant.domain.AuditEntry;
import io.aiaas.tenant.repository.AuditRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The audit trail: this service's changes (plans, tenants, API keys), written in the transaction of the change itself,
 * and the other services' (models, versions, aliases, datasets, jobs), stored from {@code aiaas.audit.v1} once per
 * record id.
 */
@ApplicationScoped
public class AuditLog {
    public static final String PLAN_CREATED = "plan.created";
    public static final String PLAN_UPDATED = "plan.updated";
    public static final String TENANT_CREATED = "tenant.created";
    public static final String TENANT_UPDATED = "tenant.updated";
    public static final String TENANT_SUSPENDED = "tenant.suspended";
    public static final String TENANT_RESUMED = "tenant.resumed";
    public static final String TENANT_DELETED = "tenant.deleted";
    public static final String KEY_CREATED = "api-key.created";
    public static final String KEY_REVOKED = "api-key.revoked";

    private final AuditRepository audit;

    public AuditLog(AuditRepository audit) {
        this.audit = audit;
    }

    /**
     * Records a change of this service.
     *
     * @param action one of the constants: {@code <type>.<what happened>}
     * @param id the changed object's id or name; the entry's target is {@code <type>:<id>} (the contract's form), the
     *     type being the action's
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void record(Actor actor, String action, String id, String tenantId) {
        AuditEntry entry = new AuditEntry();
        entry.at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        entry.actor = actor.subject() == null ? "unknown" : actor.subject();
        entry.action = action;
        entry.target = action.substring(0, action.indexOf('.')) + ":" + id;
        entry.tenantId = tenantId;
        entry.requestId = actor.requestId();
        audit.persist(entry);
    }

    /** Stores other services' records in one transaction, each once however often it arrives; how many were new. */
    @Transactional(rollbackOn = Exception.class)
    public int store(List<AuditRecord> records) throws SQLException {
        return audit.insertNew(records);
    }

    /** One page of entries, of one tenant or (null) of all, newest first; 400 for a tenant that is not a tenant id. */
    @Transactional
    public Page<AuditEntry> list(String tenantId, PageRequest page) {
        if (tenantId != null && !Ids.isValid(Ids.TENANT, tenantId)) {
            throw ApiException.badRequest("'tenant' must be a tenant id (ten_…).");
        }
        Cursor after = page.after();
        long afterId = 0;
        if (after != null) {
            try {
                afterId = Long.parseLong(after.id());
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("The cursor is not one this server issued.");
            }
        }
        return page.page(
                audit.listAfter(tenantId, after, afterId, page.fetchSize()),
                e -> new Cursor(e.at, String.valueOf(e.id)),
                e -> e);
    }
}
