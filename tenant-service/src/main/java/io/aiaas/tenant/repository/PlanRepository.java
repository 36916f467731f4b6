package io.aiaas.tenant.repository;

import io.aiaas.common.page.Cursor;
import io.aiaas.tenant.domain.Plan;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

@ApplicationScoped
public class PlanRepository implements PanacheRepositoryBase<Plan, String> {
    private static final Sort NEWEST_FIRST = Sort.descending("createdAt", "name");

    /** Up to {@code n} plans after {@code after}, newest first. */
    public List<Plan> listAfter(Cursor after, int n) {
        var query = after == null
                ? findAll(NEWEST_FIRST)
                : find("createdAt < ?1 or (createdAt = ?1 and name < ?2)", NEWEST_FIRST, after.createdAt(), after.id());
        return query.range(0, n - 1).list();
    }
}
