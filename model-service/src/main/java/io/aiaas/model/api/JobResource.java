package io.aiaas.model.api;

import io.aiaas.common.auth.Scopes;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.http.RequestIds;
import io.aiaas.common.page.Page;
import io.aiaas.common.page.PageRequest;
import io.aiaas.common.quarkus.auth.CallerContext;
import io.aiaas.model.api.JobBodies.JobAccepted;
import io.aiaas.model.api.JobBodies.JobBody;
import io.aiaas.model.api.JobBodies.SubmitJob;
import io.aiaas.model.service.JobDispatcher;
import io.aiaas.model.service.JobQueries;
import io.aiaas.model.service.RequestTrace;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** A tenant's jobs ({@code /v1/jobs/**}). */
@Path("/v1/jobs")
@Produces(MediaType.APPLICATION_JSON)
public class JobResource {
    private final CallerContext caller;
    private final JobDispatcher dispatcher;
    private final JobQueries queries;

    public JobResource(CallerContext caller, JobDispatcher dispatcher, JobQueries queries) {
        this.caller = caller;
        this.dispatcher = dispatcher;
        this.queries = queries;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response submit(
            SubmitJob request,
            @HeaderParam("Idempotency-Key") String idempotencyKey,
            @HeaderParam(RequestIds.REQUEST_ID_HEADER) String requestId,
            @HeaderParam(RequestIds.TRACEPARENT_HEADER) String traceparent) {
        String tenant = caller.tenantWithScope(Scopes.JOBS_WRITE);
        if (request == null) {
            throw ApiException.badRequest("A JSON body is required.");
        }
        JobAccepted accepted = JobAccepted.of(dispatcher.submit(
                tenant,
                request.toSubmission(),
                IdempotencyKeys.check(idempotencyKey),
                new RequestTrace(requestId, traceparent)));
        return Response.accepted(accepted)
                .header(HttpHeaders.LOCATION, "/v1/jobs/" + accepted.id())
                .build();
    }

    @GET
    public Page<JobBody> list(
            @QueryParam("status") String status,
            @QueryParam("type") String type,
            @QueryParam("limit") String limit,
            @QueryParam("cursor") String cursor) {
        String tenant = caller.tenantWithScope(Scopes.JOBS_READ);
        return queries.list(tenant, status, type, PageRequest.of(limit, cursor)).map(JobBody::of);
    }

    @GET
    @Path("{id}")
    public JobBody get(@PathParam("id") String id) {
        return JobBody.of(queries.get(caller.tenantWithScope(Scopes.JOBS_READ), id));
    }
}
