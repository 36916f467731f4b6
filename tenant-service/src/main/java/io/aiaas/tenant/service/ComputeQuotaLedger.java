package io.aiaas.tenant.service;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.ProblemType;
import io.aiaas.tenant.domain.ComputeBalance;
import io.aiaas.tenant.domain.ComputeReservation;
import io.aiaas.tenant.domain.Plan;
import io.aiaas.tenant.domain.Tenant;
import io.aiaas.tenant.domain.UsageMonth;
import io.aiaas.tenant.repository.ComputeReservationRepository;
import io.aiaas.tenant.repository.ComputeReservationRepository.Balance;
import io.aiaas.tenant.repository.PlanRepository;
import io.aiaas.tenant.repository.TenantRepository;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.jboss.logging.Logger;

/**
 * The monthly compute-unit quota (CONTRACT "Limits"): units are reserved when work is admitted and settled from the
 * work's usage event. A reservation is granted only while the month's usage, the tenant's live reservations and the
 * new units together stay within the plan's {@code monthlyComputeUnits}; the check and the insert run under a per-tenant
 * database lock, so concurrent admissions on any number of replicas never grant more than the quota. A reservation of
 * work that never ends expires and stops counting.
 */
@ApplicationScoped
public class ComputeQuotaLedger {
    private static final Logger LOG = Logger.getLogger(ComputeQuotaLedger.class);

    /** A granted reservation and the tenant's month after it. */
    public record Granted(ComputeReservation reservation, ComputeBalance balance) {}

    private final ComputeReservationRepository reservations;
    private final TenantRepository tenants;
    private final PlanRepository plans;

    public ComputeQuotaLedger(
            ComputeReservationRepository reservations, TenantRepository tenants, PlanRepository plans) {
        this.reservations = reservations;
        this.tenants = tenants;
        this.plans = plans;
    }

    /**
     * Reserves {@code units} for the work {@code reservationId} of the tenant, for {@code ttl}. A repeat of a
     * reservation already made (settled or not) grants it again without counting it twice; the same id with other
     * units is a 409. Refused with a 429 {@code quota-exceeded} whose {@code Retry-After} is the start of the next UTC
     * month.
     */
    @Transactional
    public Granted reserve(String tenantId, String reservationId, long units, Duration ttl) {
        return reserve(tenantId, reservationId, units, units, ttl);
    }

    /**
     * Reserves up to {@code units}, at least {@code minUnits}, for {@code reservationId}: what is left of the month when
     * that is less than asked (the gateway's blocks of units for predictions). A repeat of a reservation already made
     * grants it again as it stands. Refused with a 429 {@code quota-exceeded} when not even {@code minUnits} are left.
     */
    @Transactional
    public Granted reserve(String tenantId, String reservationId, long units, long minUnits, Duration ttl) {
        Tenant tenant = tenants.findExisting(tenantId)
                .orElseThrow(() -> ApiException.notFound("No tenant '" + tenantId + "'."));
        long quota = quotaOf(tenant);
        try {
            reservations.lockTenant(tenantId);
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            UsageMonth month = UsageMonth.of(now);
            var existing = reservations.find(tenantId, reservationId);
            if (existing.isPresent()) {
                if (minUnits == units && existing.get().units() != units) {
                    throw ApiException.conflict("Reservation '" + reservationId + "' was made with "
                            + existing.get().units() + " units.");
                }
                return new Granted(existing.get(), balance(tenantId, quota, month, now));
            }
            Balance before = reservations.balance(tenantId, month.start(), now);
            long left = Math.max(0, quota - before.used() - before.reserved());
            if (left < units && left >= minUnits) {
                units = left;
            }
            if (before.used() + before.reserved() + units > quota) {
                throw new ApiException(
                                ProblemType.QUOTA_EXCEEDED,
                                "The monthly compute-unit quota (" + quota + ") leaves " + left + " units this"
                                        + " month; this work needs " + minUnits + ".")
                        .header("Retry-After", String.valueOf(month.secondsUntilNext(now)));
            }
            ComputeReservation granted =
                    new ComputeReservation(tenantId, reservationId, units, now, now.plus(ttl), null);
            reservations.insert(granted);
            return new Granted(
                    granted,
                    ComputeBalance.of(month.start(), month.end(), quota, before.used(), before.reserved() + units));
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** Gives back the units of work that was not admitted after all; whether there was such a reservation. */
    @Transactional
    public boolean release(String tenantId, String reservationId) {
        try {
            return reservations.delete(tenantId, reservationId);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /**
     * Gives back {@code units} of a reservation (the unspent part of a gateway's block), keeping the rest until the
     * usage events of work admitted from it lower it or it expires; whether there was such a reservation.
     */
    @Transactional
    public boolean release(String tenantId, String reservationId, long units) {
        try {
            return reservations.lower(tenantId, reservationId, units);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** The tenant's current month. */
    @Transactional
    public ComputeBalance balance(String tenantId) {
        Tenant tenant = tenants.findExisting(tenantId)
                .orElseThrow(() -> ApiException.notFound("No tenant '" + tenantId + "'."));
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        try {
            return balance(tenantId, quotaOf(tenant), UsageMonth.of(now), now);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** Deletes expired reservations (they stopped counting when they expired; this only keeps the table small). */
    @Scheduled(
            every = "${aiaas.tenant.compute.sweep-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    @Transactional
    void sweep() {
        try {
            int deleted = reservations.deleteExpired(Instant.now());
            if (deleted > 0) {
                LOG.debugf("deleted %d expired compute reservations", deleted);
            }
        } catch (SQLException e) {
            LOG.warnf("sweep of expired compute reservations failed (SQLState %s)", e.getSQLState());
        }
    }

    private ComputeBalance balance(String tenantId, long quota, UsageMonth month, Instant now) throws SQLException {
        Balance b = reservations.balance(tenantId, month.start(), now);
        return ComputeBalance.of(month.start(), month.end(), quota, b.used(), b.reserved());
    }

    private long quotaOf(Tenant tenant) {
        Plan plan = plans.findById(tenant.plan);
        if (plan == null) {
            throw new IllegalStateException("tenant " + tenant.id + " names a plan that does not exist");
        }
        return plan.monthlyComputeUnits;
    }

    private static IllegalStateException failed(SQLException e) {
        // the problem mappers tell an unreachable database (503) from a fault of this service (500)
        return new IllegalStateException("compute reservation query failed with SQLState " + e.getSQLState(), e);
    }
}
