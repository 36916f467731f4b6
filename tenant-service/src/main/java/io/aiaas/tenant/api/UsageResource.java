package io.aiaas.tenant.api;

import io.aiaas.common.auth.Scopes;
import io.aiaas.common.quarkus.auth.CallerContext;
import io.aiaas.tenant.api.UsageViews.UsageReport;
import io.aiaas.tenant.config.TenantConfig;
import io.aiaas.tenant.domain.UsageWindow;
import io.aiaas.tenant.service.ComputeQuotaLedger;
import io.aiaas.tenant.service.UsageService;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** A tenant's usage per UTC hour or day, by kind and model. */
@Path("/v1/usage")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Usage", description = "A tenant's metered usage.")
public class UsageResource {
    private final UsageService usage;
    private final CallerContext caller;
    private final TenantConfig config;
    private final ComputeQuotaLedger quota;

    public UsageResource(UsageService usage, CallerContext caller, TenantConfig config, ComputeQuotaLedger quota) {
        this.usage = usage;
        this.caller = caller;
        this.config = config;
        this.quota = quota;
    }

    @GET
    @Operation(
            operationId = "getUsage",
            summary = "Read the tenant's usage per UTC hour or day",
            description = "Requires scope `usage:read`. The window is `[from, to)`; it spans at most 400 days. Bad"
                    + " times, an unknown granularity, `from` not before `to` or a longer span are a 400."
                    + " `computeUnits` is the current UTC month's quota whatever the window: the plan's"
                    + " `monthlyQuota`, the units `used` (billed by usage events), `reserved` (held by admitted jobs"
                    + " that have not ended) and `remaining`; work that needs more than `remaining` is refused with"
                    + " 429 `quota-exceeded`.",
            extensions = @Extension(name = "x-required-scope", value = Scopes.USAGE_READ))
    @APIResponse(responseCode = "200", description = "Usage buckets by kind and model, and their totals.")
    public UsageReport get(@BeanParam UsageWindowParams params) {
        String tenant = caller.tenantWithScope(Scopes.USAGE_READ);
        UsageWindow window = params.window(config.usage().maxRange());
        return UsageReport.of(window, usage.report(tenant, window), quota.balance(tenant));
    }
}
