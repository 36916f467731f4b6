package io.aiaas.tenant.service;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.page.Cursor;
import io.aiaas.common.page.Page;
import io.aiaas.common.page.PageRequest;
import io.aiaas.tenant.domain.Actor;
import io.aiaas.tenant.domain.AuditEntry;
import io.aiaas.tenant.repository.AuditRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** The audit trail: every admin action and key change, written in the transaction of the change itself. */
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

    @Transactional(Transactional.TxType.MANDATORY)
    public void record(Actor actor, String action, String target, String tenantId) {
        AuditEntry entry = new AuditEntry();
        entry.at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        entry.actor = actor.subject() == null ? "unknown" : actor.subject();
        entry.action = action;
        entry.target = target;
        entry.tenantId = tenantId;
        entry.requestId = actor.requestId();
        audit.persist(entry);
    }

    /** One page of entries, of one tenant or (null) of all, newest first. */
    @Transactional
    public Page<AuditEntry> list(String tenantId, PageRequest page) {
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
