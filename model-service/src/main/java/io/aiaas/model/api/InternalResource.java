package io.aiaas.model.api;

import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.quarkus.auth.CallerContext;
import io.aiaas.model.api.JobBodies.ClaimRequest;
import io.aiaas.model.api.JobBodies.ClaimResponse;
import io.aiaas.model.api.JobBodies.ClaimsRequest;
import io.aiaas.model.api.JobBodies.ClaimsResponse;
import io.aiaas.model.api.JobBodies.ReleaseRequest;
import io.aiaas.model.api.WorkerBodies.HeartbeatRequest;
import io.aiaas.model.api.WorkerBodies.HeartbeatResponse;
import io.aiaas.model.service.ArtifactDownloads;
import io.aiaas.model.service.ClaimDecision;
import io.aiaas.model.service.DatasetCatalogue;
import io.aiaas.model.service.JobLifecycle;
import io.aiaas.model.service.JobOutputs;
import io.aiaas.model.service.WorkerFleet;
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
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * What workers call ({@code /internal/v1/**}, never routed by the gateway): claims, releases, heartbeats and artifact
 * downloads. Not part of the public API document.
 */
@Path("/internal/v1")
public class InternalResource {
    public static final String SHA256_HEADER = "X-Artifact-Sha256";
    /** The dataset's label column, percent-encoded UTF-8 (a column name may hold any character). */
    public static final String LABEL_HEADER = "X-Dataset-Label";

    public static final String ROWS_HEADER = "X-Dataset-Rows";

    private final CallerContext caller;
    private final JobLifecycle lifecycle;
    private final ArtifactDownloads artifacts;
    private final WorkerFleet fleet;
    private final DatasetCatalogue datasets;
    private final JobOutputs outputs;
    private final io.aiaas.model.service.JobCheckpoints checkpoints;
    private final io.aiaas.model.service.TrainedVersions trained;

    public InternalResource(
            CallerContext caller,
            JobLifecycle lifecycle,
            ArtifactDownloads artifacts,
            WorkerFleet fleet,
            DatasetCatalogue datasets,
            JobOutputs outputs,
            io.aiaas.model.service.JobCheckpoints checkpoints,
            io.aiaas.model.service.TrainedVersions trained) {
        this.caller = caller;
        this.lifecycle = lifecycle;
        this.artifacts = artifacts;
        this.fleet = fleet;
        this.datasets = datasets;
        this.outputs = outputs;
        this.checkpoints = checkpoints;
        this.trained = trained;
    }

    @POST
    @Path("jobs/{id}/claim")
    @Operation(hidden = true)
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public ClaimResponse claim(@PathParam("id") String jobId, ClaimRequest request) {
        caller.requireService(InternalToken.ISSUER_WORKER);
        if (request == null) {
            throw ApiException.badRequest("A JSON body with 'workerId' is required.");
        }
        return ClaimResponse.of(
                lifecycle.claim(jobId, request.workerId(), caller.token().tid()));
    }

    /** Claims of every job one poll brought a worker: one transaction, one answer per job, in request order. */
    @POST
    @Path("jobs/claims")
    @Operation(hidden = true)
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public ClaimsResponse claimAll(ClaimsRequest request) {
        caller.requireService(InternalToken.ISSUER_WORKER);
        if (request == null || request.jobs() == null || request.jobs().isEmpty()) {
            throw ApiException.badRequest("A JSON body with 'workerId' and a non-empty 'jobs' array is required.");
        }
        if (request.jobs().size() > ClaimsRequest.MAX_JOBS) {
            throw ApiException.badRequest("At most " + ClaimsRequest.MAX_JOBS + " jobs per claim.");
        }
        if (request.jobs().stream().anyMatch(id -> id == null || id.isBlank())) {
            throw ApiException.badRequest("Field 'jobs' holds job ids.");
        }
        Map<String, ClaimDecision> decisions = lifecycle.claimAll(
                request.jobs(), request.workerId(), caller.token().tid());
        List<ClaimsResponse.Entry> claims = new ArrayList<>(request.jobs().size());
        for (String id : new LinkedHashSet<>(request.jobs())) {
            claims.add(ClaimsResponse.Entry.of(id, decisions.get(id)));
        }
        return new ClaimsResponse(claims);
    }

    @POST
    @Path("jobs/{id}/release")
    @Operation(hidden = true)
    @Consumes(MediaType.APPLICATION_JSON)
    public Response release(@PathParam("id") String jobId, ReleaseRequest request) {
        caller.requireService(InternalToken.ISSUER_WORKER);
        if (request == null || request.workerId() == null || request.attempt() == null || request.reason() == null) {
            throw ApiException.badRequest("Fields 'workerId', 'attempt' and 'reason' are required.");
        }
        JobLifecycle.ReleaseReason reason;
        try {
            reason = JobLifecycle.ReleaseReason.fromWire(request.reason());
        } catch (IllegalArgumentException e) {
            throw ApiException.unprocessable("'reason' is shutdown, platform or error.");
        }
        lifecycle.release(
                jobId,
                request.workerId(),
                request.attempt(),
                reason,
                request.error(),
                caller.token().tid());
        return Response.noContent().build();
    }

    @PUT
    @Path("workers/{id}")
    @Operation(hidden = true)
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public HeartbeatResponse heartbeat(@PathParam("id") String workerId, HeartbeatRequest request) {
        caller.requireService(InternalToken.ISSUER_WORKER);
        if (request == null) {
            throw ApiException.badRequest("A JSON body is required.");
        }
        if (workerId.length() > 128) {
            throw ApiException.badRequest("A worker id has at most 128 characters.");
        }
        return HeartbeatResponse.of(fleet.heartbeat(workerId, request.toHeartbeat()));
    }

    @GET
    @Path("artifacts/{modelId}/{version}")
    @Operation(hidden = true)
    @Produces({"application/zip", "application/gzip"})
    public Response artifact(@PathParam("modelId") String modelId, @PathParam("version") String version) {
        caller.requireService(InternalToken.ISSUER_WORKER);
        ArtifactDownloads.Artifact artifact =
                artifacts.find(caller.token().tid(), modelId, PathParams.version(version));
        return Response.ok(artifact.file().toFile(), artifact.contentType())
                .header(SHA256_HEADER, artifact.sha256())
                .build();
    }

    /**
     * A dataset's stored CSV, for the worker that runs a batch job over it. The worker acts for the dataset's tenant
     * (its token's {@code tid}); another tenant's dataset, or a token without a tenant, is a 404.
     */
    @GET
    @Path("datasets/{id}")
    @Operation(hidden = true)
    @Produces("text/csv")
    public Response dataset(@PathParam("id") String id) {
        caller.requireService(InternalToken.ISSUER_WORKER);
        String tenant = caller.token().tid();
        if (tenant == null) {
            throw ApiException.notFound("No dataset '" + id + "'.");
        }
        DatasetCatalogue.Stored stored = datasets.stored(tenant, id);
        return Response.ok(stored.file().toFile(), "text/csv")
                .header(SHA256_HEADER, stored.sha256())
                .header(LABEL_HEADER, java.net.URLEncoder.encode(stored.labelColumn(), StandardCharsets.UTF_8))
                .header(ROWS_HEADER, stored.rows())
                .build();
    }

    /**
     * A part of a batch job's output: the NDJSON lines of rows {@code [from, to)}, from the worker holding the job's
     * lease for {@code attempt}; it must start where the stored rows end (409 otherwise).
     */
    @PUT
    @Path("jobs/{id}/output")
    @Operation(hidden = true)
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public JobOutputs.Stored output(
            @PathParam("id") String jobId,
            @QueryParam("workerId") String workerId,
            @QueryParam("attempt") Integer attempt,
            @QueryParam("from") Long from,
            @QueryParam("to") Long to,
            InputStream body)
            throws IOException {
        caller.requireService(InternalToken.ISSUER_WORKER);
        if (attempt == null || from == null || to == null) {
            throw ApiException.badRequest("Query parameters 'workerId', 'attempt', 'from' and 'to' are required.");
        }
        return outputs.add(jobId, caller.token().tid(), workerId, attempt, from, to, body);
    }

    /** A training job's checkpoint at the end of {@code epoch}, from the worker holding its lease for {@code attempt}. */
    @PUT
    @Path("jobs/{id}/checkpoint")
    @Operation(hidden = true)
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> checkpoint(
            @PathParam("id") String jobId,
            @QueryParam("workerId") String workerId,
            @QueryParam("attempt") Integer attempt,
            @QueryParam("epoch") Integer epoch,
            @QueryParam("computeMillis") Long computeMillis,
            @QueryParam("examples") Long examples,
            InputStream body)
            throws IOException {
        caller.requireService(InternalToken.ISSUER_WORKER);
        if (attempt == null || epoch == null) {
            throw ApiException.badRequest("Query parameters 'workerId', 'attempt' and 'epoch' are required.");
        }
        io.aiaas.model.service.JobCheckpoints.Stored stored = checkpoints.put(
                jobId,
                caller.token().tid(),
                workerId,
                attempt,
                epoch,
                computeMillis == null ? 0 : computeMillis,
                examples == null ? 0 : examples,
                body);
        return Map.of("epoch", stored.epoch(), "sizeBytes", stored.sizeBytes());
    }

    /** The job's newest checkpoint (header {@code X-Checkpoint-Epoch}); 404 when it has none. */
    @GET
    @Path("jobs/{id}/checkpoint")
    @Operation(hidden = true)
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public Response checkpoint(@PathParam("id") String jobId) {
        caller.requireService(InternalToken.ISSUER_WORKER);
        io.aiaas.model.service.JobCheckpoints.Stored stored = checkpoints
                .get(jobId, caller.token().tid())
                .orElseThrow(() -> ApiException.notFound("Job '" + jobId + "' has no checkpoint."));
        return Response.ok(stored.file().toFile(), MediaType.APPLICATION_OCTET_STREAM)
                .header("X-Checkpoint-Epoch", stored.epoch())
                .header("X-Checkpoint-Compute-Millis", stored.computeMillis())
                .header("X-Checkpoint-Examples", stored.examples())
                .build();
    }

    /**
     * Registers the SavedModel (a zip) a training job made as the next version of its target model, created when
     * absent; once per job (a repeat answers the version it registered). Only the lease holder of {@code attempt}.
     */
    @POST
    @Path("jobs/{id}/version")
    @Operation(hidden = true)
    @Consumes({"application/zip", MediaType.APPLICATION_OCTET_STREAM})
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> trainedVersion(
            @PathParam("id") String jobId,
            @QueryParam("workerId") String workerId,
            @QueryParam("attempt") Integer attempt,
            InputStream body)
            throws IOException {
        caller.requireService(InternalToken.ISSUER_WORKER);
        if (workerId == null || attempt == null) {
            throw ApiException.badRequest("Query parameters 'workerId' and 'attempt' are required.");
        }
        io.aiaas.model.domain.ModelVersion version =
                trained.register(jobId, caller.token().tid(), workerId, attempt, body, caller.requestId());
        return Map.of("model", trained.modelName(jobId), "version", version.version);
    }
}
