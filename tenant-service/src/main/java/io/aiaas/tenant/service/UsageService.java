package io.aiaas.tenant.service;

import io.aiaas.tenant.domain.TenantUsageBucket;
import io.aiaas.tenant.domain.UsageBucket;
import io.aiaas.tenant.domain.UsageRecord;
import io.aiaas.tenant.domain.UsageWindow;
import io.aiaas.tenant.repository.ComputeReservationRepository;
import io.aiaas.tenant.repository.ComputeReservationRepository.SettledWork;
import io.aiaas.tenant.repository.TenantRepository;
import io.aiaas.tenant.repository.UsageEventRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Usage: storing the events billing is made from, and reporting them per hour or day. */
@ApplicationScoped
public class UsageService {
    private final UsageEventRepository events;
    private final ComputeReservationRepository reservations;
    private final TenantRepository tenants;

    public UsageService(
            UsageEventRepository events, ComputeReservationRepository reservations, TenantRepository tenants) {
        this.events = events;
        this.reservations = reservations;
        this.tenants = tenants;
    }

    /**
     * Stores the events in one transaction; an event stored before is skipped. Returns how many were new. The new
     * events' units are added to their tenants' running totals of the month in the same transaction, which the
     * compute-unit balance reads instead of summing the month's events. The
     * compute-unit reservations of the billed work (a job's id, a request's id) are settled in the same transaction:
     * from then on the event's units count instead of the estimate, and a redelivery settles nothing twice. A
     * prediction's event lowers the gateway's block reservation it was admitted from by its units, only when the event
     * is new (a redelivery lowers nothing twice) and only a reservation of the event's own tenant; a block is lowered once
     * per batch by the units of all its predictions in it. Each step is one round trip to the database, however many
     * events the batch holds.
     */
    @Transactional(rollbackOn = Exception.class)
    public int store(List<UsageRecord> records) throws SQLException {
        Instant now = Instant.now();
        List<UsageRecord> inserted = events.insertNew(records, now);
        events.addToMonths(inserted);
        Map<SettledWork, Long> spentFromBlocks = new HashMap<>();
        for (UsageRecord r : inserted) {
            if (r.reservationId() != null && r.units() > 0) {
                spentFromBlocks.merge(new SettledWork(r.tenantId(), r.reservationId()), r.units(), Long::sum);
            }
        }
        reservations.lowerAll(spentFromBlocks);
        List<SettledWork> settled = new ArrayList<>();
        for (UsageRecord r : records) {
            if (r.jobId() != null) {
                settled.add(new SettledWork(r.tenantId(), r.jobId()));
            }
            if (r.requestId() != null) {
                settled.add(new SettledWork(r.tenantId(), r.requestId()));
            }
        }
        reservations.settle(settled, now);
        return inserted.size();
    }

    @Transactional
    public List<UsageBucket> report(String tenantId, UsageWindow window) {
        try {
            return events.aggregate(tenantId, window.from(), window.to(), window.granularity());
        } catch (SQLException e) {
            // the problem mappers tell an unreachable database (503) from a fault of this service (500)
            throw new IllegalStateException("usage query failed with SQLState " + e.getSQLState(), e);
        }
    }

    /** Every tenant's usage, for administrators and billing. */
    @Transactional
    public List<TenantUsageBucket> reportAll(UsageWindow window) {
        try {
            return events.aggregateAll(window.from(), window.to(), window.granularity());
        } catch (SQLException e) {
            throw new IllegalStateException("usage query failed with SQLState " + e.getSQLState(), e);
        }
    }

    /** Whether the tenant exists or ever had usage (a deleted tenant's usage stays for billing). */
    @Transactional
    public boolean known(String tenantId) {
        try {
            return tenants.findById(tenantId) != null || events.anyOf(tenantId);
        } catch (SQLException e) {
            throw new IllegalStateException("usage query failed with SQLState " + e.getSQLState(), e);
        }
    }
}
