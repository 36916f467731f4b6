package io.aiaas.tenant.repository;

import io.aiaas.common.events.AuditRecord;
import io.aiaas.common.page.Cursor;
import io.aiaas.tenant.domain.AuditEntry;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

@ApplicationScoped
public class AuditRepository implements PanacheRepositoryBase<AuditEntry, Long> {
    private static final Sort NEWEST_FIRST = Sort.descending("at", "id");

    private static final String INSERT_NEW = "INSERT INTO audit (at, actor, action, target, tenant_id, request_id,"
            + " record_id) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (record_id) DO NOTHING";

    private final DataSource dataSource;

    public AuditRepository(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Stores other services' records in the caller's transaction, each unless one of the same id is stored already (a
     * redelivery); how many were new.
     */
    public int insertNew(List<AuditRecord> records) throws SQLException {
        int inserted = 0;
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(INSERT_NEW)) {
            for (AuditRecord r : records) {
                ps.setObject(1, r.at().atOffset(ZoneOffset.UTC));
                ps.setString(2, r.actor());
                ps.setString(3, r.action());
                ps.setString(4, r.target());
                ps.setString(5, r.tenantId());
                ps.setString(6, r.requestId());
                ps.setString(7, r.id());
                inserted += ps.executeUpdate();
            }
        }
        return inserted;
    }

    /** Up to {@code n} entries after {@code after}, newest first, of one tenant or (tenantId null) of all. */
    public List<AuditEntry> listAfter(String tenantId, Cursor after, long afterId, int n) {
        List<String> where = new ArrayList<>();
        List<Object> params = new ArrayList<>();
        if (tenantId != null) {
            params.add(tenantId);
            where.add("tenantId = ?" + params.size());
        }
        if (after != null) {
            params.add(after.createdAt());
            int at = params.size();
            params.add(afterId);
            where.add("(at < ?" + at + " or (at = ?" + at + " and id < ?" + params.size() + "))");
        }
        var query = where.isEmpty()
                ? findAll(NEWEST_FIRST)
                : find(String.join(" and ", where), NEWEST_FIRST, params.toArray());
        return query.range(0, n - 1).list();
    }
}
