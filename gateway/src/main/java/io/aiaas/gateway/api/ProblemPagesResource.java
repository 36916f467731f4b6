package io.aiaas.gateway.api;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.ProblemType;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;

/** {@code GET /problems/{slug}}: what the {@code type} of a problem body points to. */
@Path("/problems")
public class ProblemPagesResource {

    private static final Map<ProblemType, String> EXPLANATIONS = Map.ofEntries(
            Map.entry(
                    ProblemType.INVALID_REQUEST,
                    "The request could not be read: malformed JSON, wrong types, missing fields or bad parameters."),
            Map.entry(
                    ProblemType.UNAUTHORIZED,
                    "The credentials are missing, malformed, unknown, expired or revoked. Send a valid API key as"
                            + " 'Authorization: Bearer <key>' (or an administrator's access token on /admin)."),
            Map.entry(ProblemType.FORBIDDEN, "The caller is known but lacks the scope or role this call needs."),
            Map.entry(
                    ProblemType.TENANT_SUSPENDED,
                    "The tenant this API key belongs to is suspended; contact the platform's administrators."),
            Map.entry(ProblemType.NOT_FOUND, "There is no such object, or it belongs to another tenant."),
            Map.entry(ProblemType.METHOD_NOT_ALLOWED, "This resource does not support that HTTP method."),
            Map.entry(ProblemType.NOT_ACCEPTABLE, "No representation matches the Accept header."),
            Map.entry(
                    ProblemType.CONFLICT,
                    "The request conflicts with the current state: a name is taken, an Idempotency-Key was reused"
                            + " with another body, or an alias still points to the version."),
            Map.entry(ProblemType.PAYLOAD_TOO_LARGE, "The body or archive is larger than the plan allows."),
            Map.entry(ProblemType.UNSUPPORTED_MEDIA_TYPE, "This content type is not accepted here."),
            Map.entry(
                    ProblemType.UNPROCESSABLE,
                    "The request reads fine but asks for something impossible: not a SavedModel, a tensor shape or"
                            + " datatype mismatch, a bad training spec or a bad CSV line."),
            Map.entry(
                    ProblemType.QUOTA_EXCEEDED,
                    "A rate limit or quota is exhausted; retry after the number of seconds in Retry-After."),
            Map.entry(ProblemType.INTERNAL, "The platform failed to complete the request; the request id helps us."),
            Map.entry(
                    ProblemType.UNAVAILABLE,
                    "A part of the platform is down for a moment; nothing was done. Retry after Retry-After seconds."),
            Map.entry(
                    ProblemType.DEADLINE_EXCEEDED,
                    "An online prediction got no answer within its deadline; nothing was billed. Retry after"
                            + " Retry-After seconds."));

    private static final Map<String, ProblemType> BY_SLUG =
            Arrays.stream(ProblemType.values()).collect(Collectors.toMap(ProblemType::slug, t -> t));

    @GET
    @Path("{slug}")
    @Produces(MediaType.TEXT_HTML)
    public String page(@PathParam("slug") String slug) {
        ProblemType type = BY_SLUG.get(slug);
        if (type == null) {
            throw ApiException.notFound("No such problem type.");
        }
        String title = type.title();
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + title
                + "</title></head>\n<body><h1>" + title + " (" + type.status() + ")</h1>\n<p>"
                + EXPLANATIONS.getOrDefault(type, title + ".")
                + "</p>\n<p>Problem type <code>" + type.uri() + "</code>. Every problem body carries a"
                + " <code>requestId</code>; quote it when you ask for help.</p></body></html>\n";
    }
}
