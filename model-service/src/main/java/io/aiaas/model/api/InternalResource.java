package io.aiaas.model.api;

import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.quarkus.auth.CallerContext;
import io.aiaas.model.api.JobBodies.ClaimRequest;
import io.aiaas.model.api.JobBodies.ClaimResponse;
import io.aiaas.model.service.ArtifactDownloads;
import io.aiaas.model.service.JobLifecycle;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * What workers call ({@code /internal/v1/**}, never routed by the gateway): claims and artifact downloads. Not part of
 * the public API document.
 */
@Path("/internal/v1")
public class InternalResource {
    public static final String SHA256_HEADER = "X-Artifact-Sha256";

    private final CallerContext caller;
    private final JobLifecycle lifecycle;
    private final ArtifactDownloads artifacts;

    public InternalResource(CallerContext caller, JobLifecycle lifecycle, ArtifactDownloads artifacts) {
        this.caller = caller;
        this.lifecycle = lifecycle;
        this.artifacts = artifacts;
    }

    @POST
    @Path("jobs/{id}/claim")
    @Operation(hidden = true)
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public ClaimResponse claim(@PathParam("id") String jobId, ClaimRequest request) {
        caller.requireService(InternalToken.ISSUER_WORKER);
        return ClaimResponse.of(lifecycle.claim(jobId, caller.token().tid()));
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
}
