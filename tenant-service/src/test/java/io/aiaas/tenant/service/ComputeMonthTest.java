package io.aiaas.tenant.service;

import static io.aiaas.tenant.testing.Api.computeUnits;
import static io.aiaas.tenant.testing.Api.createTenant;
import static io.aiaas.tenant.testing.Api.uniqueName;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.aiaas.tenant.domain.ComputeReservation;
import io.aiaas.tenant.domain.Granularity;
import io.aiaas.tenant.domain.UsageBucket;
import io.aiaas.tenant.domain.UsageKind;
import io.aiaas.tenant.domain.UsageMonth;
import io.aiaas.tenant.domain.UsageRecord;
import io.aiaas.tenant.domain.UsageWindow;
import io.aiaas.tenant.repository.ComputeReservationRepository;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The month's used compute units are a running total per tenant and month, kept with the usage events, and the
 * migration that made the totals filled them from the events stored before.
 */
@QuarkusTest
class ComputeMonthTest {
    @Inject
    UsageService usage;

    @Inject
    DataSource dataSource;

    @Inject
    ComputeReservationRepository reservations;

    private static UsageRecord event(String eventId, String tenant, long units, Instant at) {
        return new UsageRecord(
                eventId, tenant, UsageKind.PREDICT, "m", 1, "cpu", 1, 10, units, null, null, null, at, "{}");
    }

    private long usedIn(String tenant, Instant monthStart) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT used FROM compute_month WHERE tenant_id = ? AND month_start = ?")) {
            ps.setString(1, tenant);
            ps.setObject(2, monthStart.atOffset(ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    @Test
    void usedIsTheSumOfTheDistinctEventsOfEachMonth() throws Exception {
        String tenant = createTenant(uniqueName("cmonth"), "standard");
        String other = createTenant(uniqueName("cmother"), "standard");
        Instant now = Instant.now();
        UsageMonth month = UsageMonth.of(now);
        Instant lastMonth = month.start().minus(1, ChronoUnit.DAYS);
        String id = "usage-" + UUID.randomUUID();

        // a batch with an event repeated within it, one of last month and one of another tenant
        assertEquals(
                4,
                usage.store(List.of(
                        event(id + "-a", tenant, 5, now),
                        event(id + "-a", tenant, 5, now),
                        event(id + "-b", tenant, 2, month.start()),
                        event(id + "-c", tenant, 7, lastMonth),
                        event(id + "-d", other, 11, now))));
        // a redelivery of the first batch with one new event: only the new one adds
        assertEquals(
                1,
                usage.store(List.of(
                        event(id + "-a", tenant, 5, now),
                        event(id + "-c", tenant, 7, lastMonth),
                        event(id + "-e", tenant, 3, now))));
        // an event of no units stores no total but is still stored
        assertEquals(1, usage.store(List.of(event(id + "-f", tenant, 0, now))));

        JsonPath units = computeUnits(tenant);
        assertEquals(10, units.getLong("used"), "5 + 2 + 3 this month, the repeats once");
        assertEquals(units.getLong("monthlyQuota") - 10, units.getLong("remaining"));
        assertEquals(
                10,
                usage.report(tenant, new UsageWindow(month.start(), month.end(), Granularity.DAY)).stream()
                        .mapToLong(UsageBucket::units)
                        .sum(),
                "the usage view's total agrees");
        assertEquals(7, usedIn(tenant, UsageMonth.of(lastMonth).start()), "last month's total is its own");
        assertEquals(11, computeUnits(other).getLong("used"));
    }

    private static UsageRecord prediction(String eventId, String tenant, long units, String requestId, String block) {
        return new UsageRecord(
                eventId,
                tenant,
                UsageKind.PREDICT,
                "m",
                1,
                "cpu",
                1,
                10,
                units,
                null,
                requestId,
                block,
                Instant.now(),
                "{}");
    }

    @Test
    void oneBatchLowersEachBlockByItsNewPredictionsAndSettlesEachReservationOnce() throws Exception {
        String tenant = createTenant(uniqueName("cmblock"), "standard");
        String other = createTenant(uniqueName("cmblockother"), "standard");
        Instant now = Instant.now();
        Instant expires = now.plus(1, ChronoUnit.HOURS);
        String id = "usage-" + UUID.randomUUID();
        reservations.insert(new ComputeReservation(tenant, "pred-a", 20, now, expires, null));
        reservations.insert(new ComputeReservation(tenant, "pred-b", 20, now, expires, null));
        reservations.insert(new ComputeReservation(tenant, "req_own", 9, now, expires, null));
        reservations.insert(new ComputeReservation(other, "pred-a", 20, now, expires, null));
        assertEquals(49, computeUnits(tenant).getLong("reserved"));

        // two blocks, predictions of each interleaved, one repeated within the batch; one event settles a reservation
        // of its own request id, twice named
        assertEquals(
                5,
                usage.store(List.of(
                        prediction(id + "-1", tenant, 2, "req_1", "pred-a"),
                        prediction(id + "-2", tenant, 3, "req_2", "pred-b"),
                        prediction(id + "-1", tenant, 2, "req_1", "pred-a"),
                        prediction(id + "-3", tenant, 4, "req_3", "pred-a"),
                        prediction(id + "-4", tenant, 1, "req_own", null),
                        prediction(id + "-5", tenant, 1, "req_own", null))));
        JsonPath units = computeUnits(tenant);
        assertEquals(11, units.getLong("used"));
        assertEquals((20 - 6) + (20 - 3), units.getLong("reserved"), "each block lowered by its new predictions once");
        assertEquals(20, computeUnits(other).getLong("reserved"), "another tenant's block of the same name untouched");

        // the batch redelivered with one new prediction: only the new one lowers its block
        assertEquals(
                1,
                usage.store(List.of(
                        prediction(id + "-1", tenant, 2, "req_1", "pred-a"),
                        prediction(id + "-3", tenant, 4, "req_3", "pred-a"),
                        prediction(id + "-6", tenant, 5, "req_6", "pred-b"))));
        assertEquals(14 + 12, computeUnits(tenant).getLong("reserved"));
        assertEquals(16, computeUnits(tenant).getLong("used"));
    }

    /** The statement of V8 that fills compute_month from usage_event. */
    private static String backfill() throws IOException {
        try (InputStream in = ComputeMonthTest.class.getResourceAsStream("/db/migration/V8__compute_month.sql")) {
            String sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int start = sql.indexOf("INSERT INTO compute_month");
            return sql.substring(start, sql.indexOf(';', start));
        }
    }

    /**
     * Flyway ran V8 before any test could store events, so the migration's backfill runs again here, as written in the
     * migration, on temporary tables that shadow the real ones for this connection only (PostgreSQL looks in the
     * session's temporary schema first), in a session whose time zone is not UTC.
     */
    @Test
    void theMigrationFillsTheTotalsFromTheEventsStoredBefore() throws Exception {
        String insert = "INSERT INTO usage_event (event_id, tenant_id, kind, examples, compute_millis, units,"
                + " occurred_at, received_at, cloud_event) VALUES (?, ?, 'predict', 1, 1, ?, ?, now(), '{}')";
        Map<String, Long> expected = new HashMap<>();
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SET LOCAL TIME ZONE 'Pacific/Auckland'");
                s.execute("CREATE TEMP TABLE usage_event (LIKE tenant.usage_event INCLUDING ALL) ON COMMIT DROP");
                s.execute("CREATE TEMP TABLE compute_month (LIKE tenant.compute_month INCLUDING ALL) ON COMMIT DROP");
                try (PreparedStatement ps = c.prepareStatement(insert)) {
                    Object[][] rows = {
                        {"t1", 1L, "2024-01-01T00:00:00Z"},
                        {"t1", 2L, "2024-01-31T23:59:59.999Z"},
                        {"t1", 4L, "2024-02-01T00:00:00Z"},
                        {"t1", 8L, "2024-02-29T12:00:00Z"},
                        {"t2", 16L, "2024-01-15T10:00:00Z"},
                        {"t2", 0L, "2024-03-01T00:00:00Z"},
                    };
                    int n = 0;
                    for (Object[] row : rows) {
                        Instant at = Instant.parse((String) row[2]);
                        ps.setString(1, "e" + n++);
                        ps.setString(2, (String) row[0]);
                        ps.setLong(3, (Long) row[1]);
                        ps.setObject(4, at.atOffset(ZoneOffset.UTC));
                        ps.executeUpdate();
                        expected.merge(row[0] + "@" + UsageMonth.of(at).start(), (Long) row[1], Long::sum);
                    }
                }
                s.executeUpdate(backfill());
                Map<String, Long> actual = new HashMap<>();
                try (ResultSet rs = s.executeQuery("SELECT tenant_id, month_start, used FROM compute_month")) {
                    while (rs.next()) {
                        actual.put(
                                rs.getString(1) + "@"
                                        + rs.getObject(2, OffsetDateTime.class).toInstant(),
                                rs.getLong(3));
                    }
                }
                assertEquals(
                        Map.of(
                                "t1@2024-01-01T00:00:00Z", 3L,
                                "t1@2024-02-01T00:00:00Z", 12L,
                                "t2@2024-01-01T00:00:00Z", 16L,
                                "t2@2024-03-01T00:00:00Z", 0L),
                        actual);
                assertEquals(expected, actual, "the months UsageMonth counts in");
            } finally {
                c.rollback();
                c.setAutoCommit(autoCommit);
            }
        }
    }
}
