package io.aiaas.gateway.proxy;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.http.RequestIds;
import io.aiaas.gateway.auth.Caller;
import io.aiaas.gateway.auth.InternalTokenIssuer;
import io.aiaas.gateway.config.GatewayConfig;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Forwards an authenticated public request to the service that serves it and relays the answer, on the event loop:
 * both bodies stream with back-pressure (nothing is buffered whole), an event stream is relayed chunk by chunk without
 * a thread of its own, and the client's credentials never travel on (the service gets the gateway's internal token).
 *
 * <p>Written on Vert.x's {@link HttpClient} rather than vertx-http-proxy: the gateway passes on only listed headers,
 * counts request bodies against plan limits while they stream, answers every failure as problem+json and times
 * exchanges out by idleness in both directions; the proxy's defaults would have to be undone at each of those points.
 */
@ApplicationScoped
public class ServiceProxy {
    private static final Logger LOG = Logger.getLogger(ServiceProxy.class);

    /**
     * Request headers that travel on to the service (besides the internal token, the request ids, framing and the
     * trace context, which is the gateway's own span's).
     */
    public static final List<String> FORWARDED_HEADERS =
            List.of("Content-Type", "Content-Encoding", "Accept", "Idempotency-Key", "Last-Event-ID");

    /** Response headers relayed to the client (besides framing; {@code X-Request-Id} is the gateway's to set). */
    public static final List<String> RELAYED_HEADERS =
            List.of("Content-Type", "Location", "Retry-After", "Cache-Control", "Content-Disposition");

    /** The caller's own {@code X-Request-Id}, passed on for correlation beside the gateway's. */
    public static final String CLIENT_REQUEST_ID_HEADER = "X-Client-Request-Id";

    private static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    private static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    private static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
    private static final TextMapSetter<RequestOptions> HEADER_SETTER =
            (options, name, value) -> options.putHeader(name, value);

    /** Attempts after the first for a GET or HEAD whose connection the service closed before answering. */
    private static final int RETRIES = 2;

    private record Target(String host, int port, boolean ssl, String pathPrefix) {
        static Target of(URI base) {
            boolean ssl = "https".equalsIgnoreCase(base.getScheme());
            int port = base.getPort() > 0 ? base.getPort() : ssl ? 443 : 80;
            String prefix = base.getRawPath() == null ? "" : base.getRawPath();
            if (prefix.endsWith("/")) {
                prefix = prefix.substring(0, prefix.length() - 1);
            }
            return new Target(base.getHost(), port, ssl, prefix);
        }
    }

    private final HttpClient calls;
    private final HttpClient eventStreams;
    private final Map<Upstream, Target> targets = new EnumMap<>(Upstream.class);
    private final InternalTokenIssuer tokens;
    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final int retryAfterSeconds;
    private final long idleNanos;
    private final long eventStreamIdleNanos;

    public ServiceProxy(Vertx vertx, GatewayConfig config, InternalTokenIssuer tokens, OpenTelemetry telemetry) {
        this.tokens = tokens;
        // Vert.x's own HttpClient calls are not instrumented by quarkus-opentelemetry: the gateway makes the client
        // span and puts its traceparent on the forwarded call itself.
        this.tracer = telemetry.getTracer("io.aiaas.gateway");
        this.propagator = telemetry.getPropagators().getTextMapPropagator();
        this.retryAfterSeconds = config.retryAfterSeconds();
        targets.put(Upstream.TENANT_SERVICE, Target.of(config.tenantServiceUrl()));
        targets.put(Upstream.MODEL_SERVICE, Target.of(config.modelServiceUrl()));
        GatewayConfig.Timeouts timeouts = config.timeouts();
        this.idleNanos = timeouts.idle().toNanos();
        this.eventStreamIdleNanos = timeouts.eventStreamIdle().toNanos();
        // Event streams hold a connection each for their whole life: a pool of their own, so they never make
        // ordinary calls wait for a connection.
        this.calls = client(
                vertx, timeouts, timeouts.idle().toMillis(), config.upstream().maxConnections());
        this.eventStreams = client(
                vertx,
                timeouts,
                timeouts.eventStreamIdle().toMillis(),
                config.upstream().maxEventStreams());
    }

    private static HttpClient client(Vertx vertx, GatewayConfig.Timeouts timeouts, long idleMillis, int connections) {
        HttpClientOptions options = new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_1_1)
                .setKeepAlive(true)
                .setConnectTimeout((int) timeouts.connect().toMillis())
                // Idle in both directions: an upload that keeps moving never times out, a silent service does.
                .setIdleTimeout((int) idleMillis)
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setTryUseCompression(false)
                .setDecompressionSupported(false);
        return vertx.httpClientBuilder()
                .with(options)
                .with(new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1))
                .build();
    }

    @PreDestroy
    void close() {
        calls.close();
        eventStreams.close();
    }

    /**
     * Forwards the request of {@code rc} (paused if it has a body) to the route's service and relays the answer.
     *
     * @param bodyLimit bytes of request body passed on at most; crossing it answers 413
     */
    public void forward(RoutingContext rc, Route route, Caller caller, boolean hasBody, long bodyLimit) {
        Target target = targets.get(route.upstream());
        HttpServerRequest in = rc.request();
        String query = in.query();
        RequestOptions options = new RequestOptions()
                .setMethod(in.method())
                .setHost(target.host())
                .setPort(target.port())
                .setSsl(target.ssl())
                .setURI(query == null ? target.pathPrefix() + in.path() : target.pathPrefix() + in.path() + "?" + query)
                .setFollowRedirects(false);
        for (String name : FORWARDED_HEADERS) {
            String value = in.getHeader(name);
            if (value != null) {
                options.putHeader(name, value);
            }
        }
        options.putHeader(HttpHeaders.AUTHORIZATION, tokens.authorization(caller, route.upstream()));
        options.putHeader(RequestIds.REQUEST_ID_HEADER, GatewayRequest.requestId(rc));
        String clientRequestId = GatewayRequest.clientRequestId(rc);
        if (clientRequestId != null) {
            options.putHeader(CLIENT_REQUEST_ID_HEADER, clientRequestId);
        }
        String length = hasBody ? in.getHeader(HttpHeaders.CONTENT_LENGTH) : null;
        if (length != null) {
            options.putHeader(HttpHeaders.CONTENT_LENGTH, length);
        }
        Span span = tracer.spanBuilder(
                        in.method().name() + " " + route.upstream().audience())
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute(HTTP_METHOD, in.method().name())
                .setAttribute(SERVER_ADDRESS, target.host())
                .setAttribute(SERVER_PORT, target.port())
                .startSpan();
        propagator.inject(Context.current().with(span), options, HEADER_SETTER);
        boolean eventStream = isEventStream(in);
        new Exchange(rc, route.upstream(), hasBody, bodyLimit, length == null, span)
                .start(eventStream ? eventStreams : calls, options, eventStream ? eventStreamIdleNanos : idleNanos);
    }

    private static boolean isEventStream(HttpServerRequest in) {
        if (in.method() != HttpMethod.GET) {
            return false;
        }
        String accept = in.getHeader(HttpHeaders.ACCEPT);
        return in.path().endsWith("/events") || (accept != null && accept.contains("text/event-stream"));
    }

    /** One forwarded call: its state, so failures on either side end it once. */
    private final class Exchange {
        private final RoutingContext rc;
        private final HttpServerRequest in;
        private final HttpServerResponse out;
        private final Upstream upstream;
        private final boolean hasBody;
        private final long bodyLimit;
        private final boolean chunked;
        private final Span span;
        private HttpClientRequest call;
        private boolean answered;

        Exchange(RoutingContext rc, Upstream upstream, boolean hasBody, long bodyLimit, boolean chunked, Span span) {
            this.rc = rc;
            this.span = span;
            this.in = rc.request();
            this.out = rc.response();
            this.upstream = upstream;
            this.hasBody = hasBody;
            this.bodyLimit = bodyLimit;
            this.chunked = chunked;
        }

        /** Sends the call; {@code idleNanos} is the client's idle timeout (a close after it is ours, not the service's). */
        void start(HttpClient client, RequestOptions options, long idleNanos) {
            start(client, options, idleNanos, RETRIES);
        }

        private void start(HttpClient client, RequestOptions options, long idleNanos, int retries) {
            long sentAt = System.nanoTime();
            client.request(options).onComplete(opened -> {
                if (opened.failed()) {
                    unreachable(opened.cause());
                    return;
                }
                call = opened.result();
                // failures reach the response future; a reset of ours is no news
                call.exceptionHandler(failure ->
                        LOG.debugf("request %s: call to %s: %s", GatewayRequest.requestId(rc), upstream, failure));
                call.response().onComplete(answer -> {
                    if (answer.succeeded()) {
                        relay(answer.result());
                    } else if (retries > 0
                            && !answered
                            && System.nanoTime() - sentAt < idleNanos
                            && retriable(answer.cause())) {
                        // The service closed the connection before answering, and before our idle timeout could: a
                        // kept-alive connection it had just closed. A request without side effects goes again, on
                        // another connection.
                        LOG.debugf(
                                "request %s: %s closed the connection, sending again: %s",
                                GatewayRequest.requestId(rc), upstream, answer.cause());
                        start(client, options, idleNanos, retries - 1);
                    } else {
                        unreachable(answer.cause());
                    }
                });
                // The client went away: let go of the service's connection (an event stream would hold it forever).
                out.closeHandler(gone -> call.reset());
                if (!hasBody) {
                    call.end();
                    return;
                }
                if (chunked) {
                    call.setChunked(true);
                }
                new BoundedBody(in, bodyLimit, this::overLimit)
                        .pipe()
                        .endOnFailure(false)
                        .to(call)
                        .onFailure(this::bodyFailed);
            });
        }

        private boolean retriable(Throwable failure) {
            HttpMethod method = in.method();
            return failure instanceof HttpClosedException
                    && !hasBody
                    && !out.closed()
                    && (method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS);
        }

        private void relay(HttpClientResponse answer) {
            if (answered) {
                return;
            }
            answered = true;
            int status = answer.statusCode();
            if (status == 401) {
                // Callers' credentials are checked here, never behind: a service refusing the internal token means
                // the installation's keys do not match, which the caller can do nothing about.
                LOG.errorf(
                        "request %s: %s refused the gateway's internal token", GatewayRequest.requestId(rc), upstream);
                call.reset();
                span.setStatus(StatusCode.ERROR, "internal token refused");
                span.end();
                ProblemResponses.send(rc, unavailable());
                return;
            }
            span.setAttribute(HTTP_STATUS, (long) status);
            if (status >= 500) {
                span.setStatus(StatusCode.ERROR);
            }
            out.setStatusCode(status);
            for (String name : RELAYED_HEADERS) {
                String value = answer.getHeader(name);
                if (value != null) {
                    out.putHeader(name, value);
                }
            }
            String length = answer.getHeader(HttpHeaders.CONTENT_LENGTH);
            if (in.method() == HttpMethod.HEAD || status == 204 || status == 304) {
                if (length != null && in.method() == HttpMethod.HEAD) {
                    out.putHeader(HttpHeaders.CONTENT_LENGTH, length);
                }
                out.end();
                span.end();
                return;
            }
            if (length != null) {
                out.putHeader(HttpHeaders.CONTENT_LENGTH, length);
            } else {
                out.setChunked(true);
            }
            answer.pipe().endOnFailure(false).to(out).onComplete(relayed -> {
                if (relayed.failed()) {
                    // The service's answer broke off (or the client left): a cut connection, never a short body
                    // that looks complete.
                    LOG.debugf(
                            "request %s: relay from %s ended early: %s",
                            GatewayRequest.requestId(rc), upstream, relayed.cause());
                    span.recordException(relayed.cause());
                    call.reset();
                    if (!out.ended() && !out.closed()) {
                        out.reset();
                    }
                }
                span.end();
            });
        }

        private void overLimit() {
            if (!answered) {
                // answered first: the reset below fails the service's answer, which must not become a 503
                answered = true;
                span.setAttribute(HTTP_STATUS, 413L);
                span.end();
                ProblemResponses.send(
                        rc,
                        ApiException.tooLarge("The request body is larger than allowed here (" + bodyLimit
                                + " bytes); see your plan's limits."));
            }
            if (call != null) {
                call.reset();
            }
        }

        private void bodyFailed(Throwable failure) {
            if (answered) {
                // The service answered before reading the whole body (or the body was refused): the rest of it will
                // not be read, so this connection carries no further request.
                if (!in.isEnded() && in.version() != HttpVersion.HTTP_2) {
                    out.endHandler(done -> in.connection().close());
                    if (out.ended()) {
                        in.connection().close();
                    }
                }
                return;
            }
            // The client's upload broke off: the service must not take a truncated body for a whole one.
            LOG.debugf("request %s: upload to %s broke off: %s", GatewayRequest.requestId(rc), upstream, failure);
            if (call != null) {
                call.reset();
            }
        }

        private void unreachable(Throwable failure) {
            if (answered) {
                return;
            }
            answered = true;
            span.recordException(failure);
            span.setStatus(StatusCode.ERROR, "unreachable");
            span.end();
            LOG.warnf(
                    "request %s: %s unreachable or silent: %s",
                    GatewayRequest.requestId(rc), upstream, failure.toString());
            ProblemResponses.send(rc, unavailable());
        }
    }

    private ApiException unavailable() {
        return ApiException.unavailable(
                "A service behind the gateway is unavailable; try again shortly.", retryAfterSeconds);
    }
}
