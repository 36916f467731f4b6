package io.aiaas.model.support;

import io.aiaas.common.events.Topics;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * What a tenant's jobs left in the database: job rows, job event rows and outbox records that name the tenant. Model
 * events and audit records are not counted: the set-up writes them, and they leave the outbox as the relay publishes
 * them, so their count depends on timing and not on the jobs.
 */
public record StoredJobs(long jobs, long events, long outbox) {
    public static final StoredJobs NONE = new StoredJobs(0, 0, 0);

    public static StoredJobs of(DataSource dataSource, String tenant) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(
                        "SELECT (SELECT count(*) FROM job WHERE tenant_id = ?),"
                                + " (SELECT count(*) FROM job_event e JOIN job j ON j.id = e.job_id WHERE j.tenant_id = ?),"
                                + " (SELECT count(*) FROM outbox WHERE payload LIKE '%' || ? || '%' AND topic NOT IN (?, ?))")) {
            s.setString(1, tenant);
            s.setString(2, tenant);
            s.setString(3, tenant);
            s.setString(4, Topics.MODEL_EVENTS);
            s.setString(5, Topics.AUDIT);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return new StoredJobs(rs.getLong(1), rs.getLong(2), rs.getLong(3));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
