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
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The platform's audit trail: plans, tenants and keys changed here, models, datasets and jobs in model-service. */
@Path("/admin/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Admin audit", description = "Who did what to which object, when.")
public class AdminAuditResource {
    private final AuditLog audit;
    private final CallerContext caller;

    public AdminAuditResource(AuditLog audit, CallerContext caller) {
        this.audit = audit;
        this.caller = caller;
    }

    @Schema(name = "AuditEntry")
    public record AuditView(Instant at, String actor, String action, String target, String tenantId, String requestId) {
        static AuditView of(AuditEntry e) {
            return new AuditView(e.at, e.actor, e.action, e.target, e.tenantId, e.requestId);
        }
    }

    @GET
    @Operation(
            operationId = "adminListAudit",
            summary = "Read the audit trail",
            description = "Who did what to which object, newest first: every admin action and every key, model,"
                    + " version, alias, dataset and job change, with the actor (an API key id, an administrator,"
                    + " or `system` for what the platform does itself), the request id and the tenant (none for plans"
                    + " and the platform catalogue). `target` is `<type>:<name or id>` (`model:my-model`,"
                    + " `version:my-model/3`, `alias:my-model/production`, `dataset:ds_…`, `job:job_…`,"
                    + " `api-key:<keyId>`, `tenant:ten_…`, `plan:<name>`). Actions: `plan.created`, `plan.updated`,"
                    + " `tenant.created`, `tenant.updated`, `tenant.suspended`, `tenant.resumed`, `tenant.deleted`,"
                    + " `api-key.created`, `api-key.revoked`, `model.created`, `model.updated`, `model.deleted`,"
                    + " `version.created`, `version.deleted`, `alias.set`, `alias.deleted`, `dataset.created`,"
                    + " `dataset.deleted`, `job.created`, `job.cancel-requested`, and a job's end with actor"
                    + " `system`: `job.succeeded`, `job.failed`, `job.cancelled`. Changes made in other services"
                    + " appear within seconds. A `tenant` that is not a tenant id, a bad `limit` or `cursor`: 400.")
    @APIResponse(responseCode = "200", description = "One page of audit entries.")
    @APIResponse(responseCode = "400", ref = "BadRequest")
    public Page<AuditView> list(
            @Parameter(description = "Only entries about this tenant id.") @QueryParam("tenant") String tenant,
            @QueryParam("limit") String limit,
            @QueryParam("cursor") String cursor) {
        caller.requireAdmin();
        return audit.list(tenant, PageRequest.of(limit, cursor)).map(AuditView::of);
    }
}
