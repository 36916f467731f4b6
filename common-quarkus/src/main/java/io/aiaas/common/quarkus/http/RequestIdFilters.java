package io.aiaas.common.quarkus.http;

import io.aiaas.common.http.RequestIds;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Gives every request an id (the caller's, if sane) and echoes it on every response. Trace context is OpenTelemetry's:
 * quarkus-opentelemetry reads the caller's {@code traceparent} and makes the server span.
 */
public class RequestIdFilters {

    @ServerRequestFilter(preMatching = true, priority = 100)
    public void assign(ContainerRequestContext request) {
        String requestId = RequestIds.acceptOrCreate(request.getHeaderString(RequestIds.REQUEST_ID_HEADER));
        request.setProperty(RequestIds.REQUEST_ID_PROPERTY, requestId);
        request.getHeaders().putSingle(RequestIds.REQUEST_ID_HEADER, requestId);
        MDC.put("requestId", requestId);
    }

    @ServerResponseFilter
    public void echo(ContainerRequestContext request, ContainerResponseContext response) {
        Object requestId = request.getProperty(RequestIds.REQUEST_ID_PROPERTY);
        if (requestId != null) {
            response.getHeaders().putSingle(RequestIds.REQUEST_ID_HEADER, requestId.toString());
        }
        MDC.remove("requestId");
    }

    /** The id {@link #assign} gave this request. */
    public static String requestId(ContainerRequestContext request) {
        Object id = request.getProperty(RequestIds.REQUEST_ID_PROPERTY);
        return id == null
                ? RequestIds.acceptOrCreate(request.getHeaderString(RequestIds.REQUEST_ID_HEADER))
                : id.toString();
    }
}
