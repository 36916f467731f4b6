package io.aiaas.common.quarkus.error;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.DatabaseFailures;
import io.aiaas.common.error.Problem;
import io.aiaas.common.error.ProblemType;
import io.aiaas.common.quarkus.http.RequestIdFilters;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The one place where exceptions become problem+json bodies. Details never carry stack traces, class names or SQL.
 */
public class ProblemMappers {
    /** {@code Retry-After} of a 503 for a database outage: long enough for a restart or a failover to finish. */
    public static final int DATABASE_RETRY_AFTER_SECONDS = 5;

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response api(ApiException e, ContainerRequestContext request) {
        Problem problem = problem(e.type(), e.getMessage(), request);
        e.extensions().forEach(problem::extension);
        Response.ResponseBuilder builder = respond(problem);
        e.headers().forEach(builder::header);
        return builder.build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, ContainerRequestContext request) {
        ApiException cause = apiCause(e);
        if (cause != null) {
            // raised while the body was read (a size limit): the framework wrapped it as an unreadable body
            return api(cause, request);
        }
        int status = e.getResponse() == null ? 500 : e.getResponse().getStatus();
        ProblemType type = ProblemType.forStatus(status);
        if (status >= 500) {
            LOG.errorf(e, "request %s failed", RequestIdFilters.requestId(request));
            return respond(problem(ProblemType.INTERNAL, "The request could not be completed.", request))
                    .build();
        }
        String detail =
                switch (type) {
                    case NOT_FOUND -> "No such resource.";
                    case METHOD_NOT_ALLOWED -> "This method is not allowed on this resource.";
                    case UNSUPPORTED_MEDIA_TYPE -> "This content type is not accepted here.";
                    case NOT_ACCEPTABLE -> "No acceptable representation.";
                    default -> "The request could not be read.";
                };
        Problem problem = problem(type, detail, request);
        Response.ResponseBuilder builder =
                Response.status(status).type(Problem.MEDIA_TYPE).entity(problem);
        if (e.getResponse() != null && e.getResponse().getHeaderString("Allow") != null) {
            builder.header("Allow", e.getResponse().getHeaderString("Allow"));
        }
        return builder.build();
    }

    @ServerExceptionMapper
    public Response jsonParse(JsonParseException e, ContainerRequestContext request) {
        return respond(problem(ProblemType.INVALID_REQUEST, "The body is not valid JSON.", request))
                .build();
    }

    @ServerExceptionMapper
    public Response unknownField(UnrecognizedPropertyException e, ContainerRequestContext request) {
        return respond(problem(ProblemType.INVALID_REQUEST, "Unknown field '" + path(e) + "'.", request))
                .build();
    }

    @ServerExceptionMapper
    public Response invalidFormat(InvalidFormatException e, ContainerRequestContext request) {
        return mismatch(e, request);
    }

    @ServerExceptionMapper
    public Response mismatch(MismatchedInputException e, ContainerRequestContext request) {
        String field = path(e);
        String detail = field.isEmpty()
                ? "The body does not have the expected JSON structure."
                : "Field '" + field + "' has the wrong type or is malformed.";
        return respond(problem(ProblemType.INVALID_REQUEST, detail, request)).build();
    }

    @ServerExceptionMapper
    public Response jsonMapping(JsonMappingException e, ContainerRequestContext request) {
        ApiException cause = apiCause(e);
        if (cause != null) {
            return api(cause, request);
        }
        String field = path(e);
        String detail = field.isEmpty() ? "The body could not be read." : "Field '" + field + "' is invalid.";
        return respond(problem(ProblemType.INVALID_REQUEST, detail, request)).build();
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e, ContainerRequestContext request) {
        ApiException cause = apiCause(e);
        if (cause != null) {
            return api(cause, request);
        }
        return respond(problem(ProblemType.INVALID_REQUEST, "The body is not valid JSON.", request))
                .build();
    }

    /**
     * Everything else. A database that cannot be reached (down, refusing connections, out of connections) is a 503 the
     * caller may retry, however deep in the cause chain the driver's or the pool's exception sits; the rest is a 500.
     */
    @ServerExceptionMapper
    public Response unexpected(Throwable e, ContainerRequestContext request) {
        ApiException cause = apiCause(e);
        if (cause != null) {
            return api(cause, request);
        }
        if (DatabaseFailures.isUnavailable(e)) {
            // no stack trace: an outage fills the log with identical ones, and the cause says all there is
            LOG.warnf(
                    "request %s: the database is unavailable (%s)", RequestIdFilters.requestId(request), rootCause(e));
            return respond(problem(
                            ProblemType.UNAVAILABLE,
                            "The service cannot reach its database right now; nothing was changed. Try again later.",
                            request))
                    .header("Retry-After", String.valueOf(DATABASE_RETRY_AFTER_SECONDS))
                    .build();
        }
        LOG.errorf(e, "request %s failed", RequestIdFilters.requestId(request));
        return respond(problem(ProblemType.INTERNAL, "The request could not be completed.", request))
                .build();
    }

    public static Problem problem(ProblemType type, String detail, ContainerRequestContext request) {
        return new Problem(
                type, detail, request.getUriInfo().getRequestUri().getRawPath(), RequestIdFilters.requestId(request));
    }

    public static Response.ResponseBuilder respond(Problem problem) {
        return Response.status(problem.status).type(Problem.MEDIA_TYPE).entity(problem);
    }

    /** An {@link ApiException} some framework wrapped on its way here, if any. */
    private static ApiException apiCause(Throwable e) {
        Throwable t = e.getCause();
        for (int i = 0; i < 32 && t != null; i++, t = t.getCause()) {
            if (t instanceof ApiException api) {
                return api;
            }
        }
        return null;
    }

    private static String rootCause(Throwable e) {
        Throwable root = e;
        for (int i = 0; i < 32 && root.getCause() != null && root.getCause() != root; i++) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
    }
}
