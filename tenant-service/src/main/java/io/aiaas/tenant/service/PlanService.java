package io.aiaas.tenant.service;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.DatabaseFailures;
import io.aiaas.common.page.Cursor;
import io.aiaas.common.page.Page;
import io.aiaas.common.page.PageRequest;
import io.aiaas.common.quarkus.idempotency.IdempotencyLedger;
import io.aiaas.common.quarkus.idempotency.IdempotentRequest;
import io.aiaas.common.quarkus.idempotency.IdempotentResponse;
import io.aiaas.tenant.domain.Actor;
import io.aiaas.tenant.domain.Plan;
import io.aiaas.tenant.domain.PlanLimits;
import io.aiaas.tenant.repository.PlanRepository;
import io.aiaas.tenant.repository.TenantEventOutbox;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.function.Function;
import java.util.regex.Pattern;

/** Plans and their limits. */
@ApplicationScoped
public class PlanService {
    private static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");

    private final PlanRepository plans;
    private final AuditLog audit;
    private final TenantEventOutbox events;
    private final IdempotencyLedger ledger;

    public PlanService(PlanRepository plans, AuditLog audit, TenantEventOutbox events, IdempotencyLedger ledger) {
        this.plans = plans;
        this.audit = audit;
        this.events = events;
        this.ledger = ledger;
    }

    @Transactional
    public Page<Plan> list(PageRequest page) {
        return page.page(plans.listAfter(page.after(), page.fetchSize()), p -> new Cursor(p.createdAt, p.name), p -> p);
    }

    @Transactional
    public Plan get(String name) {
        return plans.findByIdOptional(name).orElseThrow(() -> ApiException.notFound("No plan '" + name + "'."));
    }

    /**
     * Creates a plan and answers what {@code answer} makes of it; under an {@code Idempotency-Key} once only (see
     * {@link IdempotencyLedger}).
     *
     * @param idempotency null without a key
     */
    @Transactional
    public IdempotentResponse create(
            String name,
            PlanLimits limits,
            Actor actor,
            IdempotentRequest idempotency,
            Function<Plan, IdempotentResponse> answer) {
        return ledger.once(idempotency, () -> create(name, limits, actor), answer);
    }

    private Plan create(String name, PlanLimits limits, Actor actor) {
        if (!NAME.matcher(name).matches()) {
            throw ApiException.unprocessable("A plan name is 1-63 lower-case letters, digits and '-'.");
        }
        limits.validate();
        if (plans.findByIdOptional(name).isPresent()) {
            throw ApiException.conflict("A plan named '" + name + "' exists.");
        }
        Plan plan = new Plan();
        plan.name = name;
        plan.createdAt = now();
        apply(plan, limits);
        try {
            plans.persistAndFlush(plan);
        } catch (RuntimeException e) {
            if (DatabaseFailures.isUniqueViolation(e)) {
                // a concurrent create of the same name committed first
                throw ApiException.conflict("A plan named '" + name + "' exists.");
            }
            throw e;
        }
        audit.record(actor, AuditLog.PLAN_CREATED, name, null);
        return plan;
    }

    /**
     * Replaces a plan's limits. A change increases the plan's version and is announced (a {@code plan.changed} event
     * keyed by the plan's name), so every gateway drops what it cached under the old limits; the same limits again
     * change nothing.
     */
    @Transactional
    public Plan replace(String name, PlanLimits limits, Actor actor) {
        limits.validate();
        Plan plan = plans.findByIdOptional(name, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE)
                .orElseThrow(() -> ApiException.notFound("No plan '" + name + "'."));
        if (limits.equals(limitsOf(plan))) {
            return plan;
        }
        apply(plan, limits);
        plan.version++;
        audit.record(actor, AuditLog.PLAN_UPDATED, name, null);
        events.planLimitsChanged(name, actor.requestId());
        return plan;
    }

    private static PlanLimits limitsOf(Plan plan) {
        return new PlanLimits(
                plan.requestsPerSecond,
                plan.burst,
                plan.concurrentJobs,
                plan.monthlyComputeUnits,
                plan.maxRequestBytes,
                plan.maxModelBytes,
                plan.storageBytes,
                plan.maxBatchRows);
    }

    private static void apply(Plan plan, PlanLimits limits) {
        plan.requestsPerSecond = limits.requestsPerSecond();
        plan.burst = limits.burst();
        plan.concurrentJobs = limits.concurrentJobs();
        plan.monthlyComputeUnits = limits.monthlyComputeUnits();
        plan.maxRequestBytes = limits.maxRequestBytes();
        plan.maxModelBytes = limits.maxModelBytes();
        plan.storageBytes = limits.storageBytes();
        plan.maxBatchRows = limits.maxBatchRows();
        plan.updatedAt = now();
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
