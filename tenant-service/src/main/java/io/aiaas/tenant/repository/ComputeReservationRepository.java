package io.aiaas.tenant.repository;

import io.aiaas.tenant.domain.ComputeReservation;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * Compute-unit reservations, in plain SQL beside the month's usage they are weighed against. Runs in the caller's
 * transaction (the data source enlists in it).
 */
@ApplicationScoped
public class ComputeReservationRepository {
    /**
     * Serialises the reservations of one tenant for the rest of the transaction; other tenants, and every other lock of
     * this schema, are untouched (the first key names this lock's kind).
     */
    private static final String LOCK = "SELECT pg_advisory_xact_lock(1129665857, hashtext(?))";

    /**
     * The month's usage and the live reservations, in one statement: one snapshot, so a settlement committing in
     * between (usage stored and its reservation settled together) is seen either whole or not at all. The usage is the
     * month's running total, kept in the usage events' transaction: one row, however many events the month has.
     */
    private static final String BALANCE = "SELECT"
            + " (SELECT coalesce(sum(used), 0) FROM compute_month"
            + "   WHERE tenant_id = ? AND month_start = ?) AS used,"
            + " (SELECT coalesce(sum(units), 0) FROM compute_reservation"
            + "   WHERE tenant_id = ? AND settled_at IS NULL AND expires_at > ?) AS reserved";

    private static final String FIND = "SELECT tenant_id, reservation_id, units, created_at, expires_at, settled_at"
            + " FROM compute_reservation WHERE tenant_id = ? AND reservation_id = ?";

    private static final String INSERT = "INSERT INTO compute_reservation"
            + " (tenant_id, reservation_id, units, created_at, expires_at) VALUES (?, ?, ?, ?, ?)";

    private static final String DELETE = "DELETE FROM compute_reservation WHERE tenant_id = ? AND reservation_id = ?";

    private static final String SETTLE = "UPDATE compute_reservation SET settled_at = ?"
            + " WHERE tenant_id = ? AND reservation_id = ? AND settled_at IS NULL";

    private static final String LOWER = "UPDATE compute_reservation SET units = greatest(0, units - ?)"
            + " WHERE tenant_id = ? AND reservation_id = ? AND settled_at IS NULL";

    private static final String SWEEP = "DELETE FROM compute_reservation WHERE expires_at <= ?";

    /** A tenant's month: its usage and its live reservations. */
    public record Balance(long used, long reserved) {}

    /** The work a usage event bills, as a reservation's key. */
    public record SettledWork(String tenantId, String reservationId) {}

    private static final Comparator<SettledWork> BY_KEY =
            Comparator.comparing(SettledWork::tenantId).thenComparing(SettledWork::reservationId);

    private final DataSource dataSource;

    public ComputeReservationRepository(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Takes the tenant's reservation lock until the transaction ends. */
    public void lockTenant(String tenantId) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(LOCK)) {
            ps.setString(1, tenantId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
            }
        }
    }

    /** Usage of the UTC month beginning at {@code monthStart} and reservations live at {@code now}. */
    public Balance balance(String tenantId, Instant monthStart, Instant now) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(BALANCE)) {
            ps.setString(1, tenantId);
            ps.setObject(2, utc(monthStart));
            ps.setString(3, tenantId);
            ps.setObject(4, utc(now));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Balance(rs.getLong("used"), rs.getLong("reserved"));
            }
        }
    }

    public Optional<ComputeReservation> find(String tenantId, String reservationId) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(FIND)) {
            ps.setString(1, tenantId);
            ps.setString(2, reservationId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                OffsetDateTime settled = rs.getObject("settled_at", OffsetDateTime.class);
                return Optional.of(new ComputeReservation(
                        rs.getString("tenant_id"),
                        rs.getString("reservation_id"),
                        rs.getLong("units"),
                        rs.getObject("created_at", OffsetDateTime.class).toInstant(),
                        rs.getObject("expires_at", OffsetDateTime.class).toInstant(),
                        settled == null ? null : settled.toInstant()));
            }
        }
    }

    public void insert(ComputeReservation r) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setString(1, r.tenantId());
            ps.setString(2, r.reservationId());
            ps.setLong(3, r.units());
            ps.setObject(4, utc(r.createdAt()));
            ps.setObject(5, utc(r.expiresAt()));
            ps.executeUpdate();
        }
    }

    /** Removes a reservation; whether there was one. */
    public boolean delete(String tenantId, String reservationId) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(DELETE)) {
            ps.setString(1, tenantId);
            ps.setString(2, reservationId);
            return ps.executeUpdate() > 0;
        }
    }

    /**
     * Marks the reservations of billed work settled; those already settled, or never made, are left as they are. One
     * JDBC batch (one round trip), in the order of tenant and reservation, so two batches settling the same rows wait
     * for each other instead of deadlocking.
     */
    public int settle(List<SettledWork> work, Instant at) throws SQLException {
        SortedSet<SettledWork> keys = new TreeSet<>(BY_KEY);
        keys.addAll(work);
        if (keys.isEmpty()) {
            return 0;
        }
        int settled = 0;
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(SETTLE)) {
            for (SettledWork w : keys) {
                ps.setObject(1, utc(at));
                ps.setString(2, w.tenantId());
                ps.setString(3, w.reservationId());
                ps.addBatch();
            }
            for (int n : ps.executeBatch()) {
                settled += Math.max(n, 0);
            }
        }
        return settled;
    }

    /**
     * Lowers a live reservation by {@code units}, not below 0 (units of a block spent, or given back); whether there
     * was one. A reservation of another tenant, settled, released or never made is left alone.
     */
    public boolean lower(String tenantId, String reservationId, long units) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(LOWER)) {
            ps.setLong(1, units);
            ps.setString(2, tenantId);
            ps.setString(3, reservationId);
            return ps.executeUpdate() > 0;
        }
    }

    /**
     * Lowers each live reservation by the units summed for it, as {@link #lower} does one: one {@code UPDATE} per
     * reservation however many of its predictions the batch bills, sent as one JDBC batch in the order of tenant and
     * reservation (so concurrent batches wait for each other instead of deadlocking).
     */
    public void lowerAll(Map<SettledWork, Long> unitsByReservation) throws SQLException {
        SortedMap<SettledWork, Long> sorted = new TreeMap<>(BY_KEY);
        unitsByReservation.forEach((k, v) -> sorted.merge(k, v, Long::sum));
        sorted.values().removeIf(units -> units <= 0);
        if (sorted.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(LOWER)) {
            for (Map.Entry<SettledWork, Long> e : sorted.entrySet()) {
                ps.setLong(1, e.getValue());
                ps.setString(2, e.getKey().tenantId());
                ps.setString(3, e.getKey().reservationId());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Deletes every reservation expired at {@code now}; how many. */
    public int deleteExpired(Instant now) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(SWEEP)) {
            ps.setObject(1, utc(now));
            return ps.executeUpdate();
        }
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
