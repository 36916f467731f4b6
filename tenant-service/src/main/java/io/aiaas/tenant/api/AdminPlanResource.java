package io.aiaas.tenant.api;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.page.Page;
import io.aiaas.common.page.PageRequest;
import io.aiaas.common.quarkus.auth.CallerContext;
import io.aiaas.common.quarkus.idempotency.IdempotentRequest;
import io.aiaas.common.quarkus.idempotency.IdempotentResponses;
import io.aiaas.tenant.domain.Actor;
import io.aiaas.tenant.service.PlanService;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/admin/v1/plans")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Admin plans", description = "Plans and their limits.")
public class AdminPlanResource {
    static final String PLAN_NAME = "The plan's name.";

    private final PlanService plans;
    private final CallerContext caller;
    private final IdempotentResponses responses;

    public AdminPlanResource(PlanService plans, CallerContext caller, IdempotentResponses responses) {
        this.plans = plans;
        this.caller = caller;
        this.responses = responses;
    }

    @GET
    @Operation(operationId = "adminListPlans", summary = "List plans", description = "Newest first.")
    @APIResponse(responseCode = "200", description = "One page of plans.")
    public Page<PlanBody> list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        caller.requireAdmin();
        return plans.list(PageRequest.of(limit, cursor)).map(PlanBody::of);
    }

    @GET
    @Path("/{name}")
    @Operation(operationId = "adminGetPlan", summary = "Read a plan")
    @APIResponse(responseCode = "200", description = "The plan.")
    public PlanBody get(@Parameter(description = PLAN_NAME) @PathParam("name") String name) {
        caller.requireAdmin();
        return PlanBody.of(plans.get(name));
    }

    @POST
    @Operation(
            operationId = "adminCreatePlan",
            summary = "Create a plan",
            description = "`name` and every limit are required (400 without); a name not matching"
                    + " `^[a-z0-9][a-z0-9-]{0,62}$` or a limit out of range is a 422, a taken name a 409. "
                    + IdempotentRequest.HONOURED + " Administrators share one set of keys.")
    @RequestBody(required = true)
    @APIResponse(
            responseCode = "201",
            description = "The plan.",
            headers = @Header(name = "Location", ref = "Location"),
            content =
                    @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PlanBody.class)))
    @APIResponse(responseCode = "409", ref = "Conflict")
    @APIResponse(responseCode = "422", ref = "Unprocessable")
    public Response create(
            PlanBody body,
            @Parameter(
                            description = IdempotentRequest.KEY_DESCRIPTION,
                            schema = @Schema(type = SchemaType.STRING, pattern = IdempotentRequest.KEY_PATTERN))
                    @HeaderParam(IdempotentRequest.HEADER)
                    String idempotencyKey) {
        caller.requireAdmin();
        Bodies.required(body);
        String name = Bodies.requiredText("name", body.name());
        return responses.toResponse(plans.create(
                name,
                body.limits(),
                actor(),
                IdempotentRequest.ofJson(
                        IdempotentRequest.PLATFORM_SCOPE, idempotencyKey, "POST", "/admin/v1/plans", body),
                plan -> responses.created("/admin/v1/plans/" + plan.name, PlanBody.of(plan))));
    }

    @PUT
    @Path("/{name}")
    @Operation(
            operationId = "adminReplacePlan",
            summary = "Replace an existing plan's limits",
            description = "Every limit is required. `name` may be left out; if given it must match the path (422:"
                    + " plans are never renamed). An unknown plan is a 404 (PUT does not create plans).")
    @RequestBody(required = true)
    @APIResponse(responseCode = "200", description = "The plan.")
    @APIResponse(responseCode = "422", ref = "Unprocessable")
    public PlanBody replace(@Parameter(description = PLAN_NAME) @PathParam("name") String name, PlanBody body) {
        caller.requireAdmin();
        Bodies.required(body);
        if (body.name() != null && !body.name().equals(name)) {
            throw ApiException.unprocessable("A plan cannot be renamed: 'name' must match the path.");
        }
        return PlanBody.of(plans.replace(name, body.limits(), actor()));
    }

    private Actor actor() {
        return new Actor(caller.actor(), caller.requestId());
    }
}
