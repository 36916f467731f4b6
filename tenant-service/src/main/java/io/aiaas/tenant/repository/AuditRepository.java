package io.aiaas.tenant.repository;

import io.aiaas.common.page.Cursor;
import io.aiaas.tenant.domain.AuditEntry;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;

@ApplicationScoped
public class AuditRepository implements PanacheRepositoryBase<AuditEntry, Long> {
    private static final Sort NEWEST_FIRST = Sort.descending("at", "id");

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
