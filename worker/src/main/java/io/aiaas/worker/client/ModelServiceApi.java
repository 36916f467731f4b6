package io.aiaas.worker.client;

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
import java.io.InputStream;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * model-service's internal endpoints the worker calls, as a Quarkus REST client. Every answer comes back whatever its
 * status ({@link RestResponse}), so that {@link ModelServiceCalls} decides what a status means; an artifact's body is
 * streamed ({@code RestResponse<InputStream>}), never held in memory.
 */
@Path("/")
public interface ModelServiceApi {

    @POST
    @Path("internal/v1/jobs/claims")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    RestResponse<String> claimAll(
            @HeaderParam("Authorization") String authorization,
            @HeaderParam("X-Request-Id") String requestId,
            String body);

    @POST
    @Path("internal/v1/jobs/{jobId}/release")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    RestResponse<String> release(
            @PathParam("jobId") String jobId,
            @HeaderParam("Authorization") String authorization,
            @HeaderParam("X-Request-Id") String requestId,
            String body);

    @PUT
    @Path("internal/v1/workers/{workerId}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    RestResponse<String> heartbeat(
            @PathParam("workerId") String workerId, @HeaderParam("Authorization") String authorization, String body);

    @GET
    @Path("internal/v1/artifacts/{modelId}/{version}")
    @Produces({"application/zip", "application/gzip", "application/problem+json"})
    RestResponse<InputStream> artifact(
            @PathParam("modelId") String modelId,
            @PathParam("version") int version,
            @HeaderParam("Authorization") String authorization,
            @HeaderParam("X-Request-Id") String requestId);

    @PUT
    @Path("internal/v1/jobs/{jobId}/output")
    @Consumes("application/x-ndjson")
    @Produces(MediaType.APPLICATION_JSON)
    RestResponse<String> output(
            @PathParam("jobId") String jobId,
            @QueryParam("workerId") String workerId,
            @QueryParam("attempt") int attempt,
            @QueryParam("from") long from,
            @QueryParam("to") long to,
            @HeaderParam("Authorization") String authorization,
            @HeaderParam("X-Request-Id") String requestId,
            byte[] body);

    @GET
    @Path("q/health/ready")
    RestResponse<String> ready();
}
