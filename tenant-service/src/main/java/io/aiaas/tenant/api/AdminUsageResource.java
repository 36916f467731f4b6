package io.aiaas.tenant.api;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.quarkus.auth.CallerContext;
import io.aiaas.tenant.api.UsageViews.AdminUsageReport;
import io.aiaas.tenant.config.TenantConfig;
import io.aiaas.tenant.domain.ComputeBalance;
import io.aiaas.tenant.domain.TenantUsageBucket;
import io.aiaas.tenant.domain.UsageWindow;
import io.aiaas.tenant.service.ComputeQuotaLedger;
import io.aiaas.tenant.service.UsageService;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Usage of one tenant or all, for administrators and billing systems. */
@Path("/admin/v1/usage")
@Tag(name = "Admin usage", description = "Metered usage of every tenant, and its export.")
public class AdminUsageResource {
    private final UsageService usage;
    private final ComputeQuotaLedger quota;
    private final CallerContext caller;
    private final TenantConfig config;

    public AdminUsageResource(UsageService usage, ComputeQuotaLedger quota, CallerContext caller, TenantConfig config) {
        this.usage = usage;
        this.quota = quota;
        this.caller = caller;
        this.config = config;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(
            operationId = "adminGetUsage",
            summary = "Read usage per UTC hour or day, of one tenant or all",
            description = "The window is `[from, to)` (default: the 30 days before now), at most 400 days. Without"
                    + " `tenant`, every tenant's usage: items carry `tenantId`, ordered by tenant, bucket, kind and"
                    + " model. With `tenant`, that tenant's usage and its current month's `computeUnits`; a tenant"
                    + " that never existed is a 404 (a deleted tenant's usage stays readable). Bad times, an unknown"
                    + " granularity, `from` not before `to` or a longer span are a 400.")
    @APIResponse(responseCode = "200", description = "Usage buckets, their totals and, for one tenant, its quota.")
    @APIResponse(responseCode = "404", ref = "NotFound")
    public AdminUsageReport get(
            @Parameter(description = "Only this tenant id.") @QueryParam("tenant") String tenant,
            @BeanParam UsageWindowParams params) {
        caller.requireAdmin();
        UsageWindow window = params.window(config.usage().maxRange());
        if (tenant == null) {
            return AdminUsageReport.of(window, null, usage.reportAll(window), null);
        }
        if (tenant.isBlank() || tenant.length() > 256) {
            throw ApiException.badRequest("'tenant' must be a tenant id.");
        }
        if (!usage.known(tenant)) {
            throw ApiException.notFound("No tenant '" + tenant + "'.");
        }
        List<TenantUsageBucket> buckets = usage.report(tenant, window).stream()
                .map(b -> new TenantUsageBucket(tenant, b))
                .toList();
        ComputeBalance balance = null;
        try {
            balance = quota.balance(tenant);
        } catch (ApiException deleted) {
            // a deleted tenant has no quota any more; its usage is still shown
        }
        return AdminUsageReport.of(window, tenant, buckets, balance);
    }

    @GET
    @Path("export")
    @Produces({UsageCsv.MEDIA_TYPE, MediaType.APPLICATION_JSON})
    @Operation(
            operationId = "adminExportUsage",
            summary = "Export every tenant's usage as CSV",
            description = "`text/csv` (RFC 4180, CRLF line ends), a header row `tenantId,start,kind,model,requests,"
                    + "examples,computeMillis,units`, then one row per tenant, UTC bucket, kind and model in `[from,"
                    + " to)` (default: the 30 days before now, at most 400 days), ordered by tenant and bucket."
                    + " `granularity` is `day` (default) or `hour`. Bad parameters are a 400.")
    @APIResponse(
            responseCode = "200",
            description = "The usage as CSV.",
            content = @Content(mediaType = UsageCsv.MEDIA_TYPE, schema = @Schema(type = SchemaType.STRING)))
    public Response export(@BeanParam UsageWindowParams params) {
        caller.requireAdmin();
        String csv = UsageCsv.write(usage.reportAll(params.window(config.usage().maxRange())));
        return Response.ok(csv, UsageCsv.MEDIA_TYPE + "; charset=utf-8")
                .header("Content-Disposition", "attachment; filename=\"usage.csv\"")
                .build();
    }
}
