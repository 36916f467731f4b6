package io.aiaas.gateway.api;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.ProblemType;
import io.aiaas.gateway.proxy.GatewayRequest;
import io.aiaas.gateway.proxy.ProblemResponses;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Failures that Vert.x Web or Quarkus raise on the router itself (an unreadable path, a body over Quarkus' limit, no
 * route, an exception in a handler) answered as problem+json instead of Quarkus' default error page.
 */
@ApplicationScoped
public class RouterFailures {
    private static final Logger LOG = Logger.getLogger(RouterFailures.class);

    /** Statuses Vert.x Web answers itself when no route takes a request or one cannot be matched at all. */
    private static final int[] ROUTER_STATUSES = {400, 404, 405, 406, 413, 414, 415, 431, 500};

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE + 1000).failureHandler(rc -> answer(rc, rc.statusCode()));
        for (int status : ROUTER_STATUSES) {
            // e.g. a path that cannot be decoded (/v1/models/%zz) fails while routes are matched, before any route
            router.errorHandler(status, rc -> answer(rc, status));
        }
    }

    static void answer(RoutingContext rc, int failedStatus) {
        if (rc.response().ended()) {
            return;
        }
        Throwable failure = rc.failure();
        if (failure instanceof ApiException api) {
            ProblemResponses.send(rc, api);
            return;
        }
        int status = failedStatus;
        if (status < 400 || status >= 500) {
            LOG.errorf(failure, "request %s failed", GatewayRequest.requestId(rc));
            status = 500;
        }
        ProblemType type = ProblemType.forStatus(status);
        String detail =
                switch (status) {
                    case 404 -> "No such resource.";
                    case 405 -> "This method is not allowed on this resource.";
                    case 413 -> "The request body is larger than the gateway accepts.";
                    case 414 -> "The request line is too long.";
                    case 431 -> "The request headers are too large.";
                    default -> status >= 500 ? "The request could not be completed." : "The request could not be read.";
                };
        ApiException problem = new ApiException(type, detail);
        if (type.status() != status) {
            // 414, 431…: the status stays what Vert.x decided, the body says what it means
            ProblemResponses.send(rc, problem, status);
            return;
        }
        ProblemResponses.send(rc, problem);
    }
}
