package io.aiaas.tenant.service;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.DatabaseFailures;
import io.aiaas.common.events.TenantEvent;
import io.aiaas.common.id.Ids;
import io.aiaas.common.page.Cursor;
import io.aiaas.common.page.Page;
import io.aiaas.common.page.PageRequest;
import io.aiaas.common.quarkus.idempotency.IdempotencyLedger;
import io.aiaas.common.quarkus.idempotency.IdempotentRequest;
import io.aiaas.common.quarkus.idempotency.IdempotentResponse;
import io.aiaas.tenant.domain.Actor;
import io.aiaas.tenant.domain.Tenant;
import io.aiaas.tenant.domain.TenantStatus;
import io.aiaas.tenant.repository.ApiKeyRepository;
import io.aiaas.tenant.repository.PlanRepository;
import io.aiaas.tenant.repository.TenantEventOutbox;
import io.aiaas.tenant.repository.TenantRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.function.Function;
import java.util.regex.Pattern;

/** Tenants: creation, plan and name changes, suspension and deletion. */
@ApplicationScoped
public class TenantService {
    static final int MAX_NAME_LENGTH = 100;
    // Deliberately loose: the address is for people to read, not a login.
    private static final Pattern EMAIL = Pattern.compile("^[^\\s@]{1,64}@[^\\s@]{1,255}$");

    private final TenantRepository tenants;
    private final PlanRepository plans;
    private final ApiKeyRepository keys;
    private final AuditLog audit;
    private final TenantEventOutbox events;
    private final IdempotencyLedger ledger;
    private final TenantOwners owners;

    public TenantService(
            TenantRepository tenants,
            PlanRepository plans,
            ApiKeyRepository keys,
            AuditLog audit,
            TenantEventOutbox events,
            IdempotencyLedger ledger,
            TenantOwners owners) {
        this.tenants = tenants;
        this.plans = plans;
        this.keys = keys;
        this.audit = audit;
        this.events = events;
        this.ledger = ledger;
        this.owners = owners;
    }

    /**
     * Creates a tenant and answers what {@code answer} makes of it; under an {@code Idempotency-Key} once only (see
     * {@link IdempotencyLedger}).
     *
     * @param idempotency null without a key
     */
    @Transactional
    public IdempotentResponse create(
            String name,
            String plan,
            String ownerEmail,
            Actor actor,
            IdempotentRequest idempotency,
            Function<Tenant, IdempotentResponse> answer) {
        return ledger.once(idempotency, () -> create(name, plan, ownerEmail, actor), answer);
    }

    private Tenant create(String name, String plan, String ownerEmail, Actor actor) {
        String cleanName = checkName(name);
        checkPlan(plan);
        checkEmail(ownerEmail);
        if (tenants.nameTaken(cleanName, null)) {
            throw ApiException.conflict("A tenant named '" + cleanName + "' exists.");
        }
        Instant now = now();
        Tenant tenant = new Tenant();
        tenant.id = Ids.newId(Ids.TENANT);
        tenant.name = cleanName;
        tenant.plan = plan;
        tenant.status = TenantStatus.ACTIVE;
        tenant.ownerEmail = ownerEmail;
        tenant.createdAt = now;
        tenant.updatedAt = now;
        tenants.persist(tenant);
        flushUniqueName(cleanName);
        audit.record(actor, AuditLog.TENANT_CREATED, tenant.id, tenant.id);
        owners.named(tenant.id, ownerEmail, now);
        return tenant;
    }

    @Transactional
    public Tenant get(String id) {
        return tenants.findExisting(id).orElseThrow(() -> noSuchTenant(id));
    }

    @Transactional
    public Page<Tenant> list(PageRequest page) {
        return page.page(tenants.listAfter(page.after(), page.fetchSize()), t -> new Cursor(t.createdAt, t.id), t -> t);
    }

    /** Changes what is given (null: unchanged); a move to another plan is announced as a tenant event. */
    @Transactional
    public Tenant update(String id, String name, String plan, String ownerEmail, Actor actor) {
        Tenant tenant = tenants.findExistingForUpdate(id).orElseThrow(() -> noSuchTenant(id));
        if (name != null) {
            String cleanName = checkName(name);
            if (tenants.nameTaken(cleanName, id)) {
                throw ApiException.conflict("A tenant named '" + cleanName + "' exists.");
            }
            tenant.name = cleanName;
        }
        if (plan != null && !plan.equals(tenant.plan)) {
            checkPlan(plan);
            tenant.plan = plan;
            events.tenantPlanChanged(id, plan, actor.requestId());
        }
        if (ownerEmail != null) {
            checkEmail(ownerEmail);
            tenant.ownerEmail = ownerEmail;
            owners.changed(id, ownerEmail, now());
        }
        tenant.updatedAt = now();
        flushUniqueName(tenant.name);
        audit.record(actor, AuditLog.TENANT_UPDATED, id, id);
        return tenant;
    }

    @Transactional
    public Tenant suspend(String id, Actor actor) {
        return changeStatus(
                id, TenantStatus.SUSPENDED, AuditLog.TENANT_SUSPENDED, TenantEvent.TYPE_TENANT_SUSPENDED, actor);
    }

    @Transactional
    public Tenant resume(String id, Actor actor) {
        return changeStatus(id, TenantStatus.ACTIVE, AuditLog.TENANT_RESUMED, TenantEvent.TYPE_TENANT_RESUMED, actor);
    }

    /**
     * Marks the tenant deleted and revokes its keys; its usage and audit rows stay for billing. The
     * {@code tenant.deleted} event stops its keys on every gateway at once.
     */
    @Transactional
    public void delete(String id, Actor actor) {
        Tenant tenant = tenants.findExistingForUpdate(id).orElseThrow(() -> noSuchTenant(id));
        Instant now = now();
        tenant.status = TenantStatus.DELETED;
        tenant.updatedAt = now;
        keys.revokeAllOfTenant(id, now);
        owners.tenantDeleted(id, now);
        audit.record(actor, AuditLog.TENANT_DELETED, id, id);
        events.tenantStatusChanged(TenantEvent.TYPE_TENANT_DELETED, id, actor.requestId());
    }

    private Tenant changeStatus(String id, TenantStatus status, String action, String eventType, Actor actor) {
        Tenant tenant = tenants.findExistingForUpdate(id).orElseThrow(() -> noSuchTenant(id));
        if (tenant.status != status) {
            tenant.status = status;
            tenant.updatedAt = now();
            audit.record(actor, action, id, id);
            events.tenantStatusChanged(eventType, id, actor.requestId());
        }
        return tenant;
    }

    /** Two racing requests for one name: the unique index refuses the second at flush. */
    private void flushUniqueName(String name) {
        try {
            tenants.flush();
        } catch (RuntimeException e) {
            if (DatabaseFailures.isUniqueViolation(e)) {
                throw ApiException.conflict("A tenant named '" + name + "' exists.");
            }
            throw e;
        }
    }

    static ApiException noSuchTenant(String id) {
        return ApiException.notFound("No tenant '" + id + "'.");
    }

    private static String checkName(String name) {
        String clean = name.strip();
        if (clean.isEmpty()) {
            throw ApiException.badRequest("'name' is required.");
        }
        if (clean.length() > MAX_NAME_LENGTH || clean.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.unprocessable("A tenant name is at most " + MAX_NAME_LENGTH + " printable characters.");
        }
        return clean;
    }

    private void checkPlan(String plan) {
        if (plans.findByIdOptional(plan).isEmpty()) {
            throw ApiException.unprocessable("No plan '" + plan + "'.");
        }
    }

    private static void checkEmail(String ownerEmail) {
        if (ownerEmail != null && !EMAIL.matcher(ownerEmail).matches()) {
            throw ApiException.unprocessable("'ownerEmail' is not an e-mail address.");
        }
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
