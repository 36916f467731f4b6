package io.aiaas.tenant.api;

import io.aiaas.common.auth.Scopes;
import io.aiaas.common.quarkus.auth.CallerContext;
import io.aiaas.tenant.api.UsageViews.UsageReport;
import io.aiaas.tenant.config.TenantConfig;
import io.aiaas.tenant.domain.UsageWindow;
import io.aiaas.tenant.service.UsageService;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;

/** A tenant's usage per UTC hour or day, by kind and model. */
@Path("/v1/usage")
@Produces(MediaType.APPLICATION_JSON)
public class UsageResource {
    private final UsageService usage;
    private final CallerContext caller;
    private final TenantConfig config;

    public UsageResource(UsageService usage, CallerContext caller, TenantConfig config) {
        this.usage = usage;
        this.caller = caller;
        this.config = config;
    }

    @GET
    public UsageReport get(
            @QueryParam("from") String from,
            @QueryParam("to") String to,
            @QueryParam("granularity") String granularity) {
        String tenant = caller.tenantWithScope(Scopes.USAGE_READ);
        UsageWindow window = UsageWindow.of(
                from, to, granularity, Instant.now(), config.usage().maxRange());
        return UsageReport.of(window, usage.report(tenant, window));
    }
}
