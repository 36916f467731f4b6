package io.aiaas.tenant.repository;

import io.aiaas.tenant.domain.Granularity;
import io.aiaas.tenant.domain.TenantUsageBucket;
import io.aiaas.tenant.domain.UsageBucket;
import io.aiaas.tenant.domain.UsageMonth;
import io.aiaas.tenant.domain.UsageRecord;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * Usage events, in plain SQL: storing must be {@code INSERT … ON CONFLICT DO NOTHING} (a redelivered event changes
 * nothing) and reading is an aggregation, neither of which an entity helps with. Runs in the caller's transaction (the
 * data source enlists in it).
 */
@ApplicationScoped
public class UsageEventRepository {
    private static final String INSERT = "INSERT INTO usage_event (event_id, tenant_id, kind, model, version, device,"
            + " examples, compute_millis, units, job_id, request_id, occurred_at, received_at, cloud_event)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS jsonb))"
            + " ON CONFLICT (event_id) DO NOTHING";

    private static final String ADD_TO_MONTH = "INSERT INTO compute_month (tenant_id, month_start, used)"
            + " VALUES (?, ?, ?) ON CONFLICT (tenant_id, month_start) DO UPDATE SET used = compute_month.used"
            + " + excluded.used";

    // date_trunc on the UTC wall clock, so buckets are UTC hours and days whatever the session's time zone.
    private static final String AGGREGATE = "SELECT date_trunc(?, occurred_at AT TIME ZONE 'UTC') AS bucket, kind,"
            + " model, count(*) AS requests, sum(examples) AS examples, sum(compute_millis) AS compute_millis,"
            + " sum(units) AS units FROM usage_event"
            + " WHERE tenant_id = ? AND occurred_at >= ? AND occurred_at < ?"
            + " GROUP BY bucket, kind, model ORDER BY bucket, kind, model NULLS FIRST";

    private static final String AGGREGATE_ALL = "SELECT tenant_id, date_trunc(?, occurred_at AT TIME ZONE 'UTC') AS"
            + " bucket, kind, model, count(*) AS requests, sum(examples) AS examples, sum(compute_millis) AS"
            + " compute_millis, sum(units) AS units FROM usage_event WHERE occurred_at >= ? AND occurred_at < ?"
            + " GROUP BY tenant_id, bucket, kind, model ORDER BY tenant_id, bucket, kind, model NULLS FIRST";

    private static final String ANY_EVENT = "SELECT 1 FROM usage_event WHERE tenant_id = ? LIMIT 1";

    private final DataSource dataSource;

    public UsageEventRepository(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Stores the events not stored before; returns those that were new (a repeat within the list only once). The
     * inserts go as one JDBC batch, which the driver sends in one round trip; each statement's count (1 stored, 0 seen
     * before) says which were new. A driver that rewrites batched inserts ({@code reWriteBatchedInserts}) cannot say
     * so: the batch then fails loudly instead of guessing what was billed.
     */
    public List<UsageRecord> insertNew(List<UsageRecord> records, Instant receivedAt) throws SQLException {
        List<UsageRecord> inserted = new ArrayList<>();
        if (records.isEmpty()) {
            return inserted;
        }
        int[] counts;
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(INSERT)) {
            for (UsageRecord r : records) {
                ps.setString(1, r.eventId());
                ps.setString(2, r.tenantId());
                ps.setString(3, r.kind().value());
                ps.setString(4, r.model());
                if (r.version() == null) {
                    ps.setNull(5, Types.INTEGER);
                } else {
                    ps.setInt(5, r.version());
                }
                ps.setString(6, r.device());
                ps.setLong(7, r.examples());
                ps.setLong(8, r.computeMillis());
                ps.setLong(9, r.units());
                ps.setString(10, r.jobId());
                ps.setString(11, r.requestId());
                ps.setObject(12, utc(r.occurredAt()));
                ps.setObject(13, utc(receivedAt));
                ps.setString(14, r.cloudEventJson());
                ps.addBatch();
            }
            counts = ps.executeBatch();
        }
        if (counts.length != records.size()) {
            throw new IllegalStateException("usage batch of " + records.size() + " answered " + counts.length
                    + " counts; turn reWriteBatchedInserts off for the usage ledger");
        }
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] < 0) {
                throw new IllegalStateException(
                        "usage batch without per-event counts; turn reWriteBatchedInserts off for the usage ledger");
            }
            if (counts[i] > 0) {
                inserted.add(records.get(i));
            }
        }
        return inserted;
    }

    /**
     * Adds the records' units to their tenants' running totals of the UTC month they occurred in; the caller passes
     * only newly stored records (a redelivered event adds nothing). One row per tenant and month, taken in the order of
     * tenant and month (one JDBC batch), so two batches updating the same rows concurrently wait for each other instead
     * of deadlocking.
     */
    public void addToMonths(List<UsageRecord> records) throws SQLException {
        SortedMap<TenantMonth, Long> totals =
                new TreeMap<>(Comparator.comparing(TenantMonth::tenantId).thenComparing(TenantMonth::monthStart));
        for (UsageRecord r : records) {
            if (r.units() > 0) {
                totals.merge(
                        new TenantMonth(
                                r.tenantId(), UsageMonth.of(r.occurredAt()).start()),
                        r.units(),
                        Long::sum);
            }
        }
        if (totals.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(ADD_TO_MONTH)) {
            for (Map.Entry<TenantMonth, Long> e : totals.entrySet()) {
                ps.setString(1, e.getKey().tenantId());
                ps.setObject(2, utc(e.getKey().monthStart()));
                ps.setLong(3, e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private record TenantMonth(String tenantId, Instant monthStart) {}

    /** The tenant's usage in {@code [from, to)}, per UTC bucket, kind and model, oldest bucket first. */
    public List<UsageBucket> aggregate(String tenantId, Instant from, Instant to, Granularity granularity)
            throws SQLException {
        List<UsageBucket> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(AGGREGATE)) {
            ps.setString(1, granularity.value());
            ps.setString(2, tenantId);
            ps.setObject(3, utc(from));
            ps.setObject(4, utc(to));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(bucket(rs));
                }
            }
        }
        return out;
    }

    /** Every tenant's usage in {@code [from, to)}, per tenant, UTC bucket, kind and model. */
    public List<TenantUsageBucket> aggregateAll(Instant from, Instant to, Granularity granularity) throws SQLException {
        List<TenantUsageBucket> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(AGGREGATE_ALL)) {
            ps.setString(1, granularity.value());
            ps.setObject(2, utc(from));
            ps.setObject(3, utc(to));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new TenantUsageBucket(rs.getString("tenant_id"), bucket(rs)));
                }
            }
        }
        return out;
    }

    /** Whether any usage of the tenant was ever stored (usage outlives a deleted tenant, for billing). */
    public boolean anyOf(String tenantId) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(ANY_EVENT)) {
            ps.setString(1, tenantId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static UsageBucket bucket(ResultSet rs) throws SQLException {
        LocalDateTime bucket = rs.getObject("bucket", LocalDateTime.class);
        return new UsageBucket(
                bucket.toInstant(ZoneOffset.UTC),
                rs.getString("kind"),
                rs.getString("model"),
                rs.getLong("requests"),
                rs.getLong("examples"),
                rs.getLong("compute_millis"),
                rs.getLong("units"));
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
