package io.aiaas.model.api;

import io.aiaas.common.auth.Scopes;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.quarkus.auth.CallerContext;
import io.aiaas.model.service.JobEventStreams;
import io.aiaas.model.service.JobEventStreams.Item;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code GET /v1/jobs/{id}/events}: a job's status and progress as Server-Sent Events. Each event is written as
 * {@code id: <seq>}, {@code event: status|progress}, {@code data: <json>}; keep-alives are comment lines.
 */
@Path("/v1/jobs/{id}/events")
@Tag(name = "Jobs")
public class JobEventsResource {
    private final CallerContext caller;
    private final JobEventStreams streams;

    public JobEventsResource(CallerContext caller, JobEventStreams streams) {
        this.caller = caller;
        this.streams = streams;
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    // The ownership check reads the database before the stream starts (so a 404 is a problem, not an empty
    // stream); the stream itself then holds no thread.
    @Blocking
    @Operation(
            operationId = "streamJobEvents",
            summary = "Follow a job's status and progress",
            description = "Requires scope `jobs:read`. A `text/event-stream` of events named `status` (data"
                    + " `{\"status\",\"at\"}`) and `progress` (data: the job's `progress` object), each with an"
                    + " increasing `id`. The stream replays the job's events from the start, or only those after"
                    + " `Last-Event-ID`, then follows new ones and ends after the terminal `status` (`succeeded`,"
                    + " `failed`, `cancelled`); a finished job's stream replays and ends at once. A comment line"
                    + " (`: keep-alive`) comes every 15 s on a quiet stream. Another tenant's job is a 404.",
            extensions = @Extension(name = "x-required-scope", value = Scopes.JOBS_READ))
    @APIResponse(
            responseCode = "200",
            description = "The job's events.",
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS, schema = @Schema(type = SchemaType.STRING)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NotFound")
    public Multi<OutboundSseEvent> events(
            @Parameter(description = "The job id from the submission.") @PathParam("id") String id,
            @Parameter(
                            description = "The `id` of the last event the client received (a non-negative integer;"
                                    + " anything else is a 400): only later events are sent.",
                            schema = @Schema(type = SchemaType.STRING, pattern = "^[0-9]{1,10}$"))
                    @HeaderParam("Last-Event-ID")
                    String lastEventId,
            @Context Sse sse) {
        String tenant = caller.tenantWithScope(Scopes.JOBS_READ);
        int after = afterSeq(lastEventId);
        return streams.open(tenant, id, after)
                .orElseThrow(() -> ApiException.notFound("No job '" + id + "'."))
                .map(item -> event(sse, item));
    }

    private static OutboundSseEvent event(Sse sse, Item item) {
        if (item instanceof Item.Event e) {
            return sse.newEventBuilder()
                    .id(Integer.toString(e.seq()))
                    .name(e.kind())
                    .data(String.class, e.data())
                    .build();
        }
        return sse.newEventBuilder().comment("keep-alive").build();
    }

    /** 0 without the header; a non-negative integer (one beyond any job's events counts as its last). */
    static int afterSeq(String lastEventId) {
        if (lastEventId == null || lastEventId.isBlank()) {
            return 0;
        }
        String value = lastEventId.trim();
        if (!value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw ApiException.badRequest("Last-Event-ID is the id of an event of this stream (a number).");
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE; // more digits than any seq: beyond the job's last event
        }
    }
}
