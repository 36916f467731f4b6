package io.aiaas.gateway.api;

import io.aiaas.common.http.RequestIds;
import io.aiaas.common.id.Ids;
import io.aiaas.gateway.proxy.GatewayRequest;
import io.aiaas.gateway.proxy.ServiceProxy;
import io.vertx.core.MultiMap;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Gives every HTTP request its ids before anything else runs (CONTRACT, Ids and times): the gateway always mints its
 * own {@code req_…} id, the only one services, logs of the platform and billing identities use; a caller's sane
 * {@code X-Request-Id} is kept beside it for correlation only. Every response carries {@code X-Request-Id}: the
 * caller's if it sent one, else ours — health, metrics and whatever Vert.x answers itself included.
 */
@ApplicationScoped
public class RequestIdRoute {
    private static final int FIRST = Integer.MIN_VALUE + 1000;

    void install(@Observes Router router) {
        router.route().order(FIRST).handler(RequestIdRoute::identify);
    }

    static void identify(RoutingContext rc) {
        MultiMap headers = rc.request().headers();
        String fromCaller = headers.get(RequestIds.REQUEST_ID_HEADER);
        // acceptOrCreate hands back the caller's own string when it is sane
        String clientRequestId =
                fromCaller != null && RequestIds.acceptOrCreate(fromCaller) == fromCaller ? fromCaller : null;
        String requestId = Ids.newId(Ids.REQUEST);
        GatewayRequest.identify(rc, requestId, clientRequestId);
        // The gateway's own JAX-RS parts (problem pages, their errors) read the id from the header.
        headers.set(RequestIds.REQUEST_ID_HEADER, requestId);
        headers.remove(ServiceProxy.CLIENT_REQUEST_ID_HEADER);
        String echoed = clientRequestId != null ? clientRequestId : requestId;
        rc.addHeadersEndHandler(ignored -> rc.response().headers().set(RequestIds.REQUEST_ID_HEADER, echoed));
        rc.next();
    }
}
