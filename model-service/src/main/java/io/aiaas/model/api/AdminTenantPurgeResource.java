package io.aiaas.model.api;

import io.aiaas.common.quarkus.auth.CallerContext;
import io.aiaas.model.service.TenantPurges;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** How far the purge of a deleted tenant's objects went ({@code /admin/v1/tenants/{id}/purge}), for operators. */
@Path("/admin/v1/tenants/{id}/purge")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Admin tenants", description = "Tenants and their API keys.")
public class AdminTenantPurgeResource {
    private final CallerContext caller;
    private final TenantPurges purges;

    public AdminTenantPurgeResource(CallerContext caller, TenantPurges purges) {
        this.caller = caller;
        this.purges = purges;
    }

    /** What is left of a deleted tenant's objects. */
    @Schema(name = "TenantPurgeRemaining")
    public record RemainingBody(long models, long versions, long datasets, long jobs) {}

    @Schema(name = "TenantPurge")
    public record PurgeBody(
            String tenantId,
            @Schema(enumeration = {"pending", "finished"}) String status,
            Instant requestedAt,
            @Schema(nullable = true, description = "Null while the purge is pending.") Instant finishedAt,
            RemainingBody remaining) {
        static PurgeBody of(TenantPurges.Status s) {
            return new PurgeBody(
                    s.purge().tenantId(),
                    s.purge().finished() ? "finished" : "pending",
                    s.purge().requestedAt(),
                    s.purge().finishedAt(),
                    new RemainingBody(
                            s.remaining().models(),
                            s.remaining().versions(),
                            s.remaining().datasets(),
                            s.remaining().jobs()));
        }
    }

    @GET
    @Operation(
            operationId = "adminGetTenantPurge",
            summary = "Read the purge of a deleted tenant",
            description = "Deleting a tenant removes its models, versions, datasets, artifacts and jobs in the"
                    + " background. `status` is `pending` until nothing of them is left, then `finished`;"
                    + " `remaining` counts what is still there. A tenant that was not deleted (or an unknown or"
                    + " malformed id) is a 404.")
    @APIResponse(responseCode = "200", description = "The purge.")
    @APIResponse(responseCode = "404", ref = "NotFound")
    public PurgeBody get(
            @Parameter(description = "The tenant id.", schema = @Schema(type = SchemaType.STRING)) @PathParam("id")
                    String id) {
        caller.requireAdmin();
        return PurgeBody.of(purges.status(id));
    }
}
