package io.aiaas.gateway.api;

import io.aiaas.common.http.RequestIds;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Gives every HTTP request its id before anything else runs, so that every response carries {@code X-Request-Id}:
 * not only JAX-RS ones (where common's {@code RequestIdFilters} then adopts the same id) but also health, metrics
 * and anything Vert.x answers itself.
 */
@ApplicationScoped
public class RequestIdRoute {
    private static final int FIRST = Integer.MIN_VALUE + 1000;

    void install(@Observes Router router) {
        router.route().order(FIRST).handler(rc -> {
            String id = RequestIds.acceptOrCreate(rc.request().getHeader(RequestIds.REQUEST_ID_HEADER));
            rc.request().headers().set(RequestIds.REQUEST_ID_HEADER, id);
            rc.response().headersEndHandler(ignored -> {
                if (!rc.response().headers().contains(RequestIds.REQUEST_ID_HEADER)) {
                    rc.response().putHeader(RequestIds.REQUEST_ID_HEADER, id);
                }
            });
            rc.next();
        });
    }
}
