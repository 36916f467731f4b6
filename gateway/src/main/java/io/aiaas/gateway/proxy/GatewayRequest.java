package io.aiaas.gateway.proxy;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;

/** What the gateway keeps about a request on its routing context. */
public final class GatewayRequest {
    private static final String REQUEST_ID = "aiaas.requestId";
    private static final String CLIENT_REQUEST_ID = "aiaas.clientRequestId";
    private static final String ACCESS = "aiaas.access";
    private static final String ARRIVED = "aiaas.arrivedNanos";

    private GatewayRequest() {}

    /** The {@code req_…} id the gateway minted for this request: the only request id services and billing see. */
    public static String requestId(RoutingContext rc) {
        return rc.get(REQUEST_ID);
    }

    /** The caller's own {@code X-Request-Id}, kept for correlation only; null when it sent none (or none sane). */
    public static String clientRequestId(RoutingContext rc) {
        return rc.get(CLIENT_REQUEST_ID);
    }

    public static void identify(RoutingContext rc, String requestId, String clientRequestId) {
        rc.put(ARRIVED, System.nanoTime());
        rc.put(REQUEST_ID, requestId);
        if (clientRequestId != null) {
            rc.put(CLIENT_REQUEST_ID, clientRequestId);
        }
    }

    /**
     * When the gateway first saw the request ({@link System#nanoTime()}): a prediction's deadline counts from here,
     * so time spent reading its body or resolving its model is not added on top.
     */
    public static long arrivedNanos(RoutingContext rc) {
        Long arrived = rc.get(ARRIVED);
        return arrived != null ? arrived : System.nanoTime();
    }

    /** How the caller of this public path must authenticate; null outside the public API or before routing. */
    public static Route.Access access(RoutingContext rc) {
        return rc.get(ACCESS);
    }

    public static void access(RoutingContext rc, Route.Access access) {
        rc.put(ACCESS, access);
    }

    /** Whether the request carries a body: a declared length above zero, chunked, or (HTTP/2) frames to come. */
    public static boolean hasBody(HttpServerRequest in) {
        String length = in.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            return !length.equals("0");
        }
        return in.getHeader(HttpHeaders.TRANSFER_ENCODING) != null
                || (in.version() == HttpVersion.HTTP_2 && !in.isEnded());
    }
}
