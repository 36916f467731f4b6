package io.aiaas.model.api;

import io.aiaas.common.auth.Scopes;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.http.RequestIds;
import io.aiaas.common.page.Page;
import io.aiaas.common.page.PageRequest;
import io.aiaas.common.quarkus.auth.CallerContext;
import io.aiaas.common.quarkus.idempotency.IdempotentRequest;
import io.aiaas.common.quarkus.idempotency.IdempotentResponses;
import io.aiaas.model.api.JobBodies.JobAccepted;
import io.aiaas.model.api.JobBodies.JobBody;
import io.aiaas.model.api.JobBodies.JobSummary;
import io.aiaas.model.api.JobBodies.SubmitJob;
import io.aiaas.model.service.JobDispatcher;
import io.aiaas.model.service.JobLifecycle;
import io.aiaas.model.service.JobOutputs;
import io.aiaas.model.service.JobQueries;
import io.aiaas.model.service.JobSubmission;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** A tenant's jobs ({@code /v1/jobs/**}). */
@Path("/v1/jobs")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Jobs", description = "A tenant's jobs: inline and batch inference, training.")
public class JobResource {
    private final CallerContext caller;
    private final JobDispatcher dispatcher;
    private final JobQueries queries;
    private final JobLifecycle lifecycle;
    private final JobOutputs outputs;
    private final IdempotentResponses responses;

    public JobResource(
            CallerContext caller,
            JobDispatcher dispatcher,
            JobQueries queries,
            JobLifecycle lifecycle,
            JobOutputs outputs,
            IdempotentResponses responses) {
        this.caller = caller;
        this.dispatcher = dispatcher;
        this.queries = queries;
        this.lifecycle = lifecycle;
        this.outputs = outputs;
        this.responses = responses;
    }

    @GET
    @Path("{id}/result")
    @Produces("application/x-ndjson")
    @Operation(
            operationId = "getJobResult",
            summary = "Read a batch job's output",
            description = "Requires scope `jobs:read`. A succeeded batch inference job's output, streamed: one line"
                    + " per dataset row, `{\"row\":i,\"outputs\":{\"<name>\":[…]}}`, in row order. A job not yet"
                    + " ended is a 409; an inline job, or one that failed or was cancelled, a 404.",
            extensions = @Extension(name = "x-required-scope", value = Scopes.JOBS_READ))
    @APIResponse(
            responseCode = "200",
            description = "The output, as NDJSON.",
            content =
                    @Content(
                            mediaType = "application/x-ndjson",
                            schema = @Schema(type = SchemaType.STRING, description = "One JSON object per line.")))
    @APIResponse(responseCode = "404", ref = "NotFound")
    @APIResponse(responseCode = "409", ref = "Conflict")
    public Response result(@Parameter(description = "The job id.") @PathParam("id") String id) {
        List<java.nio.file.Path> parts = outputs.result(caller.tenantWithScope(Scopes.JOBS_READ), id);
        jakarta.ws.rs.core.StreamingOutput body = out -> {
            for (java.nio.file.Path part : parts) {
                java.nio.file.Files.copy(part, out);
            }
        };
        return Response.ok(body, "application/x-ndjson").build();
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            operationId = "submitJob",
            summary = "Submit a job (inline or batch inference, training)",
            description = "Requires scope `jobs:write`. Inline inference:"
                    + " `{\"type\":\"inference\",\"model\",\"version\"?|\"alias\"?,\"signature\"?,\"parameters\"?,"
                    + "\"inputs\":[…]}`; batch inference names a `dataset` instead of `inputs`; training:"
                    + " `{\"type\":\"training\",\"dataset\",\"model\":<target model name>,\"spec\":{…}}`. Everything a"
                    + " worker could refuse is checked before the job is accepted: an unknown model, version, alias or"
                    + " dataset (or another tenant's) is a 404; tensors that do not fit the signature (names,"
                    + " datatype, rank, fixed dimensions, number of elements, nesting, a value outside its datatype's"
                    + " range such as 1e400 for FP32) are a 422; unreadable tensors are a 400. A training spec with"
                    + " wrong JSON types or missing members is a 400; one that cannot train on the dataset (unknown"
                    + " members or names, values out of range, layers that do not fit, a loss that does not fit the"
                    + " output layer or the dataset's labels) a 422 whose detail names the member, e.g."
                    + " `spec.layers[2].units`; a target name outside the model name rule is a 422. A `spec` on an"
                    + " inference job, or `inputs`, `version`, `alias`, `signature` or `parameters` on a training job,"
                    + " is a 422. " + IdempotentRequest.HONOURED
                    + " The body is bounded by the plan's `maxRequestBytes` (413).",
            extensions = @Extension(name = "x-required-scope", value = Scopes.JOBS_WRITE))
    @RequestBody(required = true)
    @APIResponse(
            responseCode = "202",
            description = "The job is queued.",
            headers = @Header(name = "Location", ref = "Location"),
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = JobAccepted.class)))
    @APIResponse(responseCode = "404", ref = "NotFound")
    @APIResponse(responseCode = "409", ref = "Conflict")
    @APIResponse(responseCode = "422", ref = "Unprocessable")
    public Response submit(
            SubmitJob request,
            @Parameter(
                            description = IdempotentRequest.KEY_DESCRIPTION,
                            schema = @Schema(type = SchemaType.STRING, pattern = IdempotentRequest.KEY_PATTERN))
                    @HeaderParam(IdempotentRequest.HEADER)
                    String idempotencyKey,
            @Parameter(hidden = true) @HeaderParam(RequestIds.REQUEST_ID_HEADER) String requestId) {
        String tenant = caller.tenantWithScope(Scopes.JOBS_WRITE);
        if (request == null) {
            throw ApiException.badRequest("A JSON body is required.");
        }
        JobSubmission submission = request.toSubmission();
        return responses.toResponse(dispatcher.submit(
                tenant,
                caller.plan(),
                submission,
                IdempotentRequest.ofJson(tenant, idempotencyKey, "POST", "/v1/jobs", submission),
                requestId,
                job -> responses.accepted("/v1/jobs/" + job.id, JobAccepted.of(job))));
    }

    @GET
    @Operation(
            operationId = "listJobs",
            summary = "List the tenant's jobs",
            description = "Requires scope `jobs:read`. Newest first. An unknown `status` or `type` is a 400. Items"
                    + " are summaries: every member of the job but `result` (read the job for it).",
            extensions = @Extension(name = "x-required-scope", value = Scopes.JOBS_READ))
    @APIResponse(responseCode = "200", description = "One page of jobs.")
    public Page<JobSummary> list(
            @Parameter(
                            description = "Only jobs in this state.",
                            schema =
                                    @Schema(
                                            type = SchemaType.STRING,
                                            enumeration = {
                                                "queued",
                                                "running",
                                                "succeeded",
                                                "failed",
                                                "cancelling",
                                                "cancelled"
                                            }))
                    @QueryParam("status")
                    String status,
            @Parameter(
                            description = "Only jobs of this type.",
                            schema =
                                    @Schema(
                                            type = SchemaType.STRING,
                                            enumeration = {"inference", "training"}))
                    @QueryParam("type")
                    String type,
            @QueryParam("limit") String limit,
            @QueryParam("cursor") String cursor) {
        String tenant = caller.tenantWithScope(Scopes.JOBS_READ);
        return queries.list(tenant, status, type, PageRequest.of(limit, cursor)).map(JobSummary::of);
    }

    @GET
    @Path("{id}")
    @Operation(
            operationId = "getJob",
            summary = "Read a job",
            description = "Requires scope `jobs:read`.",
            extensions = @Extension(name = "x-required-scope", value = Scopes.JOBS_READ))
    @APIResponse(responseCode = "200", description = "The job, with its result once it succeeded.")
    public JobBody get(@Parameter(description = "The job id from the submission.") @PathParam("id") String id) {
        return JobBody.of(queries.view(caller.tenantWithScope(Scopes.JOBS_READ), id));
    }

    @POST
    @Path("{id}/cancel")
    @Operation(
            operationId = "cancelJob",
            summary = "Cancel a job",
            description = "Requires scope `jobs:write`. A `queued` job ends `cancelled` at once; a `running` one"
                    + " becomes `cancelling` and ends `cancelled` once its worker stops it (within one step or"
                    + " chunk; it is billed for the compute it used); cancelling a `cancelling` job again is"
                    + " accepted. A finished job is a 409. Idempotent: no `Idempotency-Key` needed.",
            extensions = @Extension(name = "x-required-scope", value = Scopes.JOBS_WRITE))
    @APIResponse(
            responseCode = "202",
            description = "The job, `cancelled` or `cancelling`.",
            content =
                    @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = JobBody.class)))
    @APIResponse(responseCode = "409", ref = "Conflict")
    public Response cancel(@Parameter(description = "The job id from the submission.") @PathParam("id") String id) {
        String tenant = caller.tenantWithScope(Scopes.JOBS_WRITE);
        return Response.accepted(JobBody.of(lifecycle.cancel(tenant, id, caller.actor(), caller.requestId())))
                .build();
    }
}
