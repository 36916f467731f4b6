package io.aiaas.gateway.proxy;

import io.aiaas.common.auth.InternalTokenSigner;
import io.aiaas.common.error.ApiException;
import io.aiaas.gateway.auth.Caller;
import io.aiaas.gateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Forwards an authenticated public request to the service that serves it, streaming both bodies, and relays the
 * answer. The client's credentials never travel on: the service gets the gateway's internal token instead.
 */
@ApplicationScoped
public class ServiceProxy {
    private static final Logger LOG = Logger.getLogger(ServiceProxy.class);

    /** Request headers that travel on to the service (besides the internal token). */
    public static final List<String> FORWARDED_HEADERS =
            List.of("Content-Type", "Accept", "Idempotency-Key", "X-Request-Id", "traceparent", "Last-Event-ID");

    /** Response headers relayed to the client. */
    public static final List<String> RELAYED_HEADERS =
            List.of("Content-Type", "Location", "Retry-After", "Cache-Control", "X-Request-Id", "Content-Disposition");

    private static final int BUFFER_SIZE = 64 * 1024;

    private final HttpClient http;
    private final InternalTokenSigner signer;
    private final GatewayConfig config;

    public ServiceProxy(HttpClient http, InternalTokenSigner signer, GatewayConfig config) {
        this.http = http;
        this.signer = signer;
        this.config = config;
    }

    /** Blocking: call on a worker thread. */
    public Response forward(Route route, Caller caller, ForwardedRequest request, String requestId) {
        URI base =
                switch (route.upstream()) {
                    case TENANT_SERVICE -> config.tenantServiceUrl();
                    case MODEL_SERVICE -> config.modelServiceUrl();
                    case PREDICTION -> throw ApiException.notFound("Online prediction is not served yet.");
                };
        HttpRequest.Builder builder = HttpRequest.newBuilder(target(base, request))
                .timeout(config.timeouts().response())
                .method(request.method(), bodyOf(request));
        request.headers().forEach(builder::header);
        builder.header(
                "Authorization",
                "Bearer " + caller.internalToken(signer, route.upstream().audience(), requestId));

        HttpResponse<InputStream> answer;
        try {
            answer = http.send(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            LOG.warnf(
                    "request %s: %s unreachable: %s",
                    requestId, route.upstream().audience(), e.toString());
            throw ApiException.unavailable(
                    "A service behind the gateway is unavailable; try again shortly.", config.retryAfterSeconds());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("The request was interrupted; try again.", config.retryAfterSeconds());
        }
        if (answer.statusCode() == 401) {
            // Callers' credentials are checked here, never behind: a service refusing the internal token means the
            // installation's keys do not match, which the caller can do nothing about.
            closeQuietly(answer.body());
            LOG.errorf(
                    "request %s: %s refused the gateway's internal token",
                    requestId, route.upstream().audience());
            throw ApiException.unavailable(
                    "A service behind the gateway is unavailable; try again shortly.", config.retryAfterSeconds());
        }
        return relay(answer, request.method());
    }

    static URI target(URI base, ForwardedRequest request) {
        String root = base.toString();
        if (root.endsWith("/")) {
            root = root.substring(0, root.length() - 1);
        }
        String query = request.rawQuery() == null ? "" : "?" + request.rawQuery();
        return URI.create(root + request.rawPath() + query);
    }

    private static HttpRequest.BodyPublisher bodyOf(ForwardedRequest request) {
        if (request.body() == null || request.contentLength() == 0) {
            return HttpRequest.BodyPublishers.noBody();
        }
        HttpRequest.BodyPublisher stream = HttpRequest.BodyPublishers.ofInputStream(request::body);
        // A known length keeps Content-Length on the forwarded request (services check sizes from it).
        return request.contentLength() > 0
                ? HttpRequest.BodyPublishers.fromPublisher(stream, request.contentLength())
                : stream;
    }

    private static Response relay(HttpResponse<InputStream> answer, String method) {
        int status = answer.statusCode();
        Response.ResponseBuilder response = Response.status(status);
        for (String name : RELAYED_HEADERS) {
            answer.headers().firstValue(name).ifPresent(value -> {
                if (name.equals("Content-Type")) {
                    response.type(mediaType(value));
                } else {
                    response.header(name, value);
                }
            });
        }
        InputStream body = answer.body();
        if (status == 204 || status == 304 || "HEAD".equals(method)) {
            closeQuietly(body);
            return response.build();
        }
        return response.entity((StreamingOutput) out -> copy(body, out)).build();
    }

    private static MediaType mediaType(String value) {
        try {
            return MediaType.valueOf(value);
        } catch (IllegalArgumentException e) {
            return MediaType.APPLICATION_OCTET_STREAM_TYPE;
        }
    }

    /** Copies as bytes arrive, flushing each chunk, so event streams reach the client as they are written. */
    private static void copy(InputStream in, OutputStream out) throws IOException {
        try (in) {
            byte[] buffer = new byte[BUFFER_SIZE];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (n > 0) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            }
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }
}
