package io.aiaas.tenant.api;

import io.aiaas.common.page.Page;
import io.aiaas.common.page.PageRequest;
import io.aiaas.common.quarkus.auth.CallerContext;
import io.aiaas.tenant.domain.AuditEntry;
import io.aiaas.tenant.service.AuditLog;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;

/** The audit trail of this service's changes (plans, tenants, keys). */
@Path("/admin/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
public class AdminAuditResource {
    private final AuditLog audit;
    private final CallerContext caller;

    public AdminAuditResource(AuditLog audit, CallerContext caller) {
        this.audit = audit;
        this.caller = caller;
    }

    public record AuditView(Instant at, String actor, String action, String target, String tenantId, String requestId) {
        static AuditView of(AuditEntry e) {
            return new AuditView(e.at, e.actor, e.action, e.target, e.tenantId, e.requestId);
        }
    }

    @GET
    public Page<AuditView> list(
            @QueryParam("tenant") String tenant,
            @QueryParam("limit") String limit,
            @QueryParam("cursor") String cursor) {
        caller.requireAdmin();
        return audit.list(tenant, PageRequest.of(limit, cursor)).map(AuditView::of);
    }
}
