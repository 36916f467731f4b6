package io.aiaas.gateway.proxy;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.Problem;
import io.aiaas.common.error.ProblemType;
import io.aiaas.common.id.Ids;
import io.aiaas.common.json.Json;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;

/**
 * The gateway's refusals on its Vert.x routes as problem+json ({@code ApiException} in, RFC 9457 body out), the
 * counterpart of common-quarkus' JAX-RS mappers for requests that never reach JAX-RS. The body's {@code requestId}
 * is the gateway's own id. On the prediction protocols' paths it carries their {@code error} member as well.
 */
public final class ProblemResponses {
    /**
     * The member with which the Open Inference Protocol and TF Serving's REST API report errors; every problem on
     * {@code /v2} and {@code /tfserving} carries it (the detail again), so their clients show the reason.
     */
    public static final String PROTOCOL_ERROR = "error";

    private ProblemResponses() {}

    /** Whether {@code path} is under {@code /v2} or {@code /tfserving}, whose clients read {@code error}. */
    static boolean speaksPredictionProtocol(String path) {
        return isUnder(path, "/v2") || isUnder(path, "/tfserving");
    }

    private static boolean isUnder(String path, String prefix) {
        return path != null
                && path.startsWith(prefix)
                && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/');
    }

    public static void send(RoutingContext rc, ProblemType type, String detail) {
        send(rc, new ApiException(type, detail));
    }

    public static void send(RoutingContext rc, ApiException e) {
        send(rc, e, e.type().status());
    }

    /** As {@link #send(RoutingContext, ApiException)} with another status than the type's (414, 431 of Vert.x). */
    public static void send(RoutingContext rc, ApiException e, int status) {
        HttpServerResponse response = rc.response();
        if (response.ended()) {
            return;
        }
        HttpServerRequest request = rc.request();
        if (response.headWritten()) {
            // Too late for a problem: the answer has begun. Cutting the exchange keeps a truncated body from looking
            // complete.
            response.reset();
            return;
        }
        String requestId = GatewayRequest.requestId(rc);
        if (requestId == null) {
            // refused before the request got its ids (by Vert.x Web itself)
            requestId = Ids.newId(Ids.REQUEST);
            GatewayRequest.identify(rc, requestId, null);
        }
        Problem problem = new Problem(e.type(), e.getMessage(), request.path(), requestId);
        problem.status = status;
        e.extensions().forEach(problem::extension);
        if (speaksPredictionProtocol(request.path())) {
            problem.extension(PROTOCOL_ERROR, e.getMessage());
        }
        Buffer body;
        try {
            body = Buffer.buffer(Json.mapper().writeValueAsBytes(problem));
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
        response.setStatusCode(problem.status);
        response.headers().set(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE);
        e.headers().forEach((name, value) -> response.headers().set(name, value));
        if (GatewayRequest.hasBody(request) && !request.isEnded() && request.version() != HttpVersion.HTTP_2) {
            // The body was not read (nor will it be): the connection cannot carry another request after it.
            response.headers().set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
            response.end(body).onComplete(done -> request.connection().close());
            return;
        }
        response.end(body);
    }
}
