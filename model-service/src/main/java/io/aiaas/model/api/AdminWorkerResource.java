package io.aiaas.model.api;

import io.aiaas.common.page.Page;
import io.aiaas.common.page.PageRequest;
import io.aiaas.common.quarkus.auth.CallerContext;
import io.aiaas.model.api.WorkerBodies.WorkerBody;
import io.aiaas.model.service.WorkerFleet;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The worker fleet ({@code /admin/v1/workers}), for platform administrators. */
@Path("/admin/v1/workers")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Admin workers", description = "The workers that run jobs, as their heartbeats describe them.")
public class AdminWorkerResource {
    private final CallerContext caller;
    private final WorkerFleet fleet;

    public AdminWorkerResource(CallerContext caller, WorkerFleet fleet) {
        this.caller = caller;
        this.fleet = fleet;
    }

    @GET
    @Operation(
            operationId = "adminListWorkers",
            summary = "List the workers",
            description = "Newest heartbeat first. `status` is `active` or `draining` as the worker last said, or"
                    + " `lost` once it sent no heartbeat for the lease duration.")
    @APIResponse(responseCode = "200", description = "One page of workers.")
    public Page<WorkerBody> list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        caller.requireAdmin();
        return fleet.list(PageRequest.of(limit, cursor)).map(WorkerBody::of);
    }
}
