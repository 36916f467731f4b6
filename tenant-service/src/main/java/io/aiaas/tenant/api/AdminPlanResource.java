package io.aiaas.tenant.api;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.page.Page;
import io.aiaas.common.page.PageRequest;
import io.aiaas.common.quarkus.auth.CallerContext;
import io.aiaas.tenant.domain.Actor;
import io.aiaas.tenant.service.PlanService;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;

@Path("/admin/v1/plans")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class AdminPlanResource {
    private final PlanService plans;
    private final CallerContext caller;

    public AdminPlanResource(PlanService plans, CallerContext caller) {
        this.plans = plans;
        this.caller = caller;
    }

    @GET
    public Page<PlanBody> list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        caller.requireAdmin();
        return plans.list(PageRequest.of(limit, cursor)).map(PlanBody::of);
    }

    @GET
    @Path("/{name}")
    public PlanBody get(@PathParam("name") String name) {
        caller.requireAdmin();
        return PlanBody.of(plans.get(name));
    }

    @POST
    public Response create(PlanBody body) {
        caller.requireAdmin();
        Bodies.required(body);
        String name = Bodies.requiredText("name", body.name());
        PlanBody created = PlanBody.of(plans.create(name, body.limits(), actor()));
        return Response.created(URI.create("/admin/v1/plans/" + created.name()))
                .entity(created)
                .build();
    }

    @PUT
    @Path("/{name}")
    public PlanBody replace(@PathParam("name") String name, PlanBody body) {
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
