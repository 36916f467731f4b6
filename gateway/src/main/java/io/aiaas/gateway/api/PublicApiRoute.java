package io.aiaas.gateway.api;

import io.aiaas.common.auth.Scopes;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.ProblemType;
import io.aiaas.common.plan.PlanLimits;
import io.aiaas.gateway.auth.ApiKeyRefused;
import io.aiaas.gateway.auth.Caller;
import io.aiaas.gateway.auth.FailedAuthThrottle;
import io.aiaas.gateway.auth.KnownApiKeys;
import io.aiaas.gateway.auth.UncheckedTenant;
import io.aiaas.gateway.config.GatewayConfig;
import io.aiaas.gateway.limits.RequestRateLimiter;
import io.aiaas.gateway.proxy.GatewayRequest;
import io.aiaas.gateway.proxy.ProblemResponses;
import io.aiaas.gateway.proxy.PublicPath;
import io.aiaas.gateway.proxy.Route;
import io.aiaas.gateway.proxy.RouteTable;
import io.aiaas.gateway.proxy.ServiceProxy;
import io.aiaas.gateway.proxy.Upstream;
import io.quarkus.oidc.OIDCException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;
import org.jboss.logging.Logger;

/**
 * The public API — every path under {@code /v1}, {@code /v2}, {@code /tfserving} and {@code /admin} — on the event
 * loop: checks the path, authenticates the caller (API keys through {@code ApiKeyAuthenticationMechanism},
 * administrators through quarkus-oidc), checks the route's scope and the plan's body limit, and hands the call to
 * {@link ServiceProxy}, or for the prediction protocols to {@link PredictionApi}. Every refusal is problem+json.
 * Every 401 to presented credentials counts against the caller's address; an address with too many is throttled
 * before authentication ({@link FailedAuthThrottle}).
 */
@ApplicationScoped
public class PublicApiRoute {
    private static final Logger LOG = Logger.getLogger(PublicApiRoute.class);

    /**
     * After Quarkus' authentication handler (order -200: it prepares the deferred identity) and its authorization
     * (-100); before its upload limit (-2) and JAX-RS, which the public API never reaches.
     */
    static final int ORDER = -50;

    /** Declared lengths over the gateway's ceiling are refused first, on every path, with our problem. */
    static final int CEILING_ORDER = ORDER - 1;

    /** Authentication failures are answered here, not by Quarkus' default (an empty 401). */
    private static final BiConsumer<RoutingContext, Throwable> ANSWERED_BY_ROUTE = (rc, failure) -> {};

    private static final String CHALLENGE = "Bearer realm=\"aiaas\"";

    static final String RATE_LIMIT_POLICY = "RateLimit-Policy";
    static final String RATE_LIMIT = "RateLimit";

    private final RouteTable routes;
    private final ServiceProxy proxy;
    private final PredictionApi prediction;
    private final RequestRateLimiter rateLimiter;
    private final FailedAuthThrottle throttle;
    private final UncheckedTenant unchecked;
    private final KnownApiKeys knownKeys;
    private final long ceiling;
    private final Duration adminAuthenticationTimeout;
    private final int retryAfterSeconds;

    public PublicApiRoute(
            RouteTable routes,
            ServiceProxy proxy,
            PredictionApi prediction,
            RequestRateLimiter rateLimiter,
            FailedAuthThrottle throttle,
            UncheckedTenant unchecked,
            KnownApiKeys knownKeys,
            GatewayConfig config) {
        this.routes = routes;
        this.proxy = proxy;
        this.prediction = prediction;
        this.rateLimiter = rateLimiter;
        this.throttle = throttle;
        this.unchecked = unchecked;
        this.knownKeys = knownKeys;
        this.ceiling = config.limits().maxBodySize().asLongValue();
        this.adminAuthenticationTimeout = config.timeouts().adminAuthentication();
        this.retryAfterSeconds = config.retryAfterSeconds();
    }

    void install(@Observes Router router) {
        router.route().order(CEILING_ORDER).handler(this::ceiling);
        router.route().order(ORDER).handler(this::handle);
    }

    private void ceiling(RoutingContext rc) {
        long declared;
        try {
            declared = declaredLength(rc.request());
        } catch (ApiException e) {
            ProblemResponses.send(rc, e);
            return;
        }
        if (declared > ceiling) {
            ProblemResponses.send(rc, tooLarge(ceiling));
            return;
        }
        rc.next();
    }

    private void handle(RoutingContext rc) {
        HttpServerRequest in = rc.request();
        String path = in.path();
        Route.Access access = routes.area(path).orElse(null);
        if (access == null) {
            rc.next();
            return;
        }
        // Nothing of the body may pass before the caller is known; a request without one can end at once.
        in.pause();
        boolean hasBody = GatewayRequest.hasBody(in);
        if (!hasBody) {
            in.resume();
        }
        try {
            PublicPath.check(path);
        } catch (ApiException e) {
            ProblemResponses.send(rc, e);
            return;
        }
        GatewayRequest.access(rc, access);
        Caller.Tenant uncheckedCaller = access == Route.Access.TENANT ? unchecked.callerFor(in) : null;
        if (uncheckedCaller != null) {
            admitted(rc, uncheckedCaller, hasBody); // the benchmark's gateway with its checks off
            return;
        }
        if (throttle.enabled()) {
            // Before any look-up or token check: sparing those is the point.
            ApiException throttled = throttle.refusal(sourceAddress(in), in.headers());
            if (throttled != null) {
                ProblemResponses.send(rc, throttled);
                return;
            }
        }
        if (access == Route.Access.TENANT) {
            Caller.Tenant known = knownKeys.caller(in.headers());
            if (known != null) {
                checked(rc, known, hasBody); // a key verified and held here: the caller the full path would give
                return;
            }
        }
        rc.put(QuarkusHttpUser.AUTH_FAILURE_HANDLER, ANSWERED_BY_ROUTE);
        Uni<SecurityIdentity> identity = QuarkusHttpUser.getSecurityIdentity(rc, null);
        if (access == Route.Access.ADMINISTRATOR) {
            identity = identity.ifNoItem().after(adminAuthenticationTimeout).fail();
        }
        Context context = Vertx.currentContext();
        identity.subscribe()
                .with(
                        id -> onContext(context, () -> authenticated(rc, access, id, hasBody)),
                        failure -> onContext(context, () -> refused(rc, access, failure)));
    }

    /** Continues on the request's own context (a shared look-up may complete on another request's event loop). */
    private static void onContext(Context context, Runnable next) {
        if (context == null || Vertx.currentContext() == context) {
            next.run();
        } else {
            context.runOnContext(ignored -> next.run());
        }
    }

    private void authenticated(RoutingContext rc, Route.Access access, SecurityIdentity identity, boolean hasBody) {
        Caller caller;
        try {
            if (access == Route.Access.ADMINISTRATOR && throttle.enabled()) {
                throttle.verified(identity, rc.request().headers());
            }
            caller = access == Route.Access.TENANT ? tenant(identity) : administrator(identity);
        } catch (ApiException e) {
            refuse(rc, e);
            return;
        }
        checked(rc, caller, hasBody);
    }

    /** The caller is known: the rate limit, then the route. */
    private void checked(RoutingContext rc, Caller caller, boolean hasBody) {
        if (caller instanceof Caller.Tenant tenant && tenant.plan() != null && rateLimiter.enabled()) {
            // Every tenant call counts, whatever it asks for (CONTRACT: requestsPerSecond covers every tenant call).
            CompletableFuture<RequestRateLimiter.Admission> admission =
                    rateLimiter.admit(tenant.tenantId(), tenant.plan()).toCompletableFuture();
            if (admission.isDone() && !admission.isCompletedExceptionally()) {
                limited(rc, caller, admission.join(), hasBody);
                return;
            }
            Context context = Vertx.currentContext();
            admission.whenComplete((answer, failure) -> onContext(context, () -> {
                if (failure != null) {
                    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                            ? failure.getCause()
                            : failure;
                    RequestRateLimiter.Admission unknown = RequestRateLimiter.unknown(tenant.plan(), retryAfterSeconds);
                    rc.response().putHeader(RATE_LIMIT_POLICY, unknown.policyHeader());
                    rc.response().putHeader(RATE_LIMIT, unknown.header());
                    ProblemResponses.send(
                            rc,
                            cause instanceof ApiException api
                                    ? api
                                    : ApiException.unavailable(
                                            "Rate limits cannot be checked right now; try again shortly.",
                                            retryAfterSeconds));
                } else {
                    limited(rc, caller, answer, hasBody);
                }
            }));
            return;
        }
        admitted(rc, caller, hasBody);
    }

    /** Every tenant response carries the plan's RateLimit headers, a refusal included. */
    private void limited(RoutingContext rc, Caller caller, RequestRateLimiter.Admission admission, boolean hasBody) {
        HttpServerResponse out = rc.response();
        out.putHeader(RATE_LIMIT_POLICY, admission.policyHeader());
        out.putHeader(RATE_LIMIT, admission.header());
        if (!admission.admitted()) {
            ProblemResponses.send(rc, admission.refusal());
            return;
        }
        admitted(rc, caller, hasBody);
    }

    private void admitted(RoutingContext rc, Caller caller, boolean hasBody) {
        try {
            HttpServerRequest in = rc.request();
            Route route = routes.resolve(in.method().name(), in.path())
                    .orElseThrow(() -> ApiException.notFound("No such resource."));
            if (caller instanceof Caller.Tenant tenant && route.scope() != null && !tenant.hasScope(route.scope())) {
                throw ApiException.forbidden("The API key lacks the scope '" + route.scope() + "'.");
            }
            long limit = hasBody ? bodyLimit(route, caller, declaredLength(in)) : 0;
            if (route.upstream() == Upstream.PREDICTION) {
                prediction.handle(rc, (Caller.Tenant) caller, hasBody, limit);
                return;
            }
            proxy.forward(rc, route, caller, hasBody, limit);
        } catch (ApiException e) {
            refuse(rc, e);
        } catch (RuntimeException e) {
            LOG.errorf(e, "request %s failed", GatewayRequest.requestId(rc));
            ProblemResponses.send(rc, ProblemType.INTERNAL, "The request could not be completed.");
        }
    }

    private static Caller tenant(SecurityIdentity identity) {
        if (identity != null && identity.getAttribute(Caller.IDENTITY_ATTRIBUTE) instanceof Caller.Tenant tenant) {
            return tenant;
        }
        throw unauthorized("An API key is required (Authorization: Bearer <key> or X-API-Key).");
    }

    private static Caller administrator(SecurityIdentity identity) {
        if (identity == null || identity.isAnonymous()) {
            throw unauthorized("An administrator's access token is required.");
        }
        if (!identity.hasRole(Scopes.ROLE_PLATFORM_ADMIN)) {
            throw ApiException.forbidden("The role 'platform-admin' is required.");
        }
        return new Caller.Administrator(identity.getPrincipal().getName());
    }

    /**
     * The bytes of body this call may pass on; a declared length over it is refused before any of the body is read.
     * Uploads of versions and datasets are not held to {@code maxRequestBytes} (CONTRACT, Archives).
     */
    private long bodyLimit(Route route, Caller caller, long declared) {
        long limit = ceiling;
        PlanLimits plan = caller instanceof Caller.Tenant tenant ? tenant.plan() : null;
        if (plan != null) {
            switch (route.body()) {
                case REQUEST -> limit = Math.min(limit, plan.maxRequestBytes());
                case MODEL_ARCHIVE -> {
                    if (declared > plan.maxModelBytes()) {
                        throw ApiException.tooLarge("The archive is larger than the plan '" + plan.name()
                                + "' allows (maxModelBytes " + plan.maxModelBytes() + ").");
                    }
                }
                case DATASET -> {
                    // storageBytes: model-service counts what is stored
                }
            }
        }
        if (declared > limit) {
            throw route.body() == Route.Body.REQUEST && plan != null && limit == plan.maxRequestBytes()
                    ? ApiException.tooLarge("The request body is larger than the plan '" + plan.name()
                            + "' allows (maxRequestBytes " + limit + ").")
                    : tooLarge(limit);
        }
        return limit;
    }

    private static ApiException tooLarge(long limit) {
        return ApiException.tooLarge("The request body is larger than the gateway accepts (" + limit + " bytes).");
    }

    private void refused(RoutingContext rc, Route.Access access, Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof ApiException api) {
            refuse(rc, api.type() == ProblemType.UNAUTHORIZED ? challenged(api) : api);
        } else if (cause instanceof ApiKeyRefused refusal) {
            refuse(rc, unauthorized(refusal.getMessage()));
        } else if (access == Route.Access.ADMINISTRATOR && identityProviderDown(cause)) {
            LOG.warnf(
                    "request %s: the identity provider cannot be reached: %s",
                    GatewayRequest.requestId(rc), cause.toString());
            ProblemResponses.send(
                    rc,
                    ApiException.unavailable(
                            "Administrator tokens cannot be verified right now; try again shortly.",
                            retryAfterSeconds));
        } else {
            // quarkus-oidc's reasons may name keys or claims: the caller learns only that the token is not valid.
            LOG.debugf("request %s: token refused: %s", GatewayRequest.requestId(rc), cause);
            refuse(rc, unauthorized("The access token is invalid or expired."));
        }
    }

    /** Sends a refusal; a 401 counts as a failed authentication of the caller's address. */
    private void refuse(RoutingContext rc, ApiException e) {
        if (e.type() == ProblemType.UNAUTHORIZED && throttle.enabled()) {
            throttle.failed(sourceAddress(rc.request()), rc.request().headers());
        }
        ProblemResponses.send(rc, e);
    }

    /**
     * The connection's remote address. With {@code quarkus.http.proxy.proxy-address-forwarding} on, Quarkus has
     * already put the forwarded client address here, so trusting proxies is its configuration's decision alone.
     */
    private static String sourceAddress(HttpServerRequest in) {
        SocketAddress remote = in.remoteAddress();
        return remote == null ? null : remote.hostAddress();
    }

    private static boolean identityProviderDown(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof OIDCException
                    || t instanceof ConnectException
                    || t instanceof io.smallrye.mutiny.TimeoutException) {
                return true;
            }
            if (t instanceof AuthenticationFailedException && t.getCause() == null) {
                return false;
            }
        }
        return false;
    }

    static ApiException unauthorized(String detail) {
        return challenged(ApiException.unauthorized(detail));
    }

    private static ApiException challenged(ApiException e) {
        return e.headers().containsKey("WWW-Authenticate") ? e : e.header("WWW-Authenticate", CHALLENGE);
    }

    /** The declared {@code Content-Length}, or -1 when there is none. */
    private static long declaredLength(HttpServerRequest in) {
        String value = in.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("The Content-Length header is malformed.");
        }
    }
}
