package io.aiaas.tenant.service;

import io.aiaas.tenant.domain.UsageBucket;
import io.aiaas.tenant.domain.UsageRecord;
import io.aiaas.tenant.domain.UsageWindow;
import io.aiaas.tenant.repository.UsageEventRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

/** Usage: storing the events billing is made from, and reporting them per hour or day. */
@ApplicationScoped
public class UsageService {
    private final UsageEventRepository events;

    public UsageService(UsageEventRepository events) {
        this.events = events;
    }

    /** Stores the events in one transaction; an event stored before is skipped. Returns how many were new. */
    @Transactional(rollbackOn = Exception.class)
    public int store(List<UsageRecord> records) throws SQLException {
        return events.insertNew(records, Instant.now());
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
}
