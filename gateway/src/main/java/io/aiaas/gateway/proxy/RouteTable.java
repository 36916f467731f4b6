package io.aiaas.gateway.proxy;

import io.aiaas.common.auth.Scopes;
import io.aiaas.gateway.proxy.Route.Access;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Optional;

/** The public paths and who serves them (docs/internal-contracts.md). */
@ApplicationScoped
public class RouteTable {

    private record Entry(String prefix, Upstream upstream, Access access, String readScope, String writeScope) {
        boolean matches(String path) {
            return path.equals(prefix) || path.startsWith(prefix + "/");
        }
    }

    private static final String ADMIN_AREA = "/admin";
    private static final List<String> TENANT_AREAS = List.of("/v1", "/v2", "/tfserving");

    // First match wins: the specific admin prefix precedes the general one.
    private static final List<Entry> ENTRIES = List.of(
            tenant("/v1/models", Upstream.MODEL_SERVICE, Scopes.MODELS_READ, Scopes.MODELS_WRITE),
            tenant("/v1/datasets", Upstream.MODEL_SERVICE, Scopes.DATASETS_READ, Scopes.DATASETS_WRITE),
            tenant("/v1/jobs", Upstream.MODEL_SERVICE, Scopes.JOBS_READ, Scopes.JOBS_WRITE),
            tenant("/v1/usage", Upstream.TENANT_SERVICE, Scopes.USAGE_READ, Scopes.USAGE_READ),
            tenant("/v1/api-keys", Upstream.TENANT_SERVICE, Scopes.KEYS_MANAGE, Scopes.KEYS_MANAGE),
            tenant("/v2", Upstream.PREDICTION, Scopes.PREDICT, Scopes.PREDICT),
            tenant("/tfserving", Upstream.PREDICTION, Scopes.PREDICT, Scopes.PREDICT),
            new Entry("/admin/v1/models", Upstream.MODEL_SERVICE, Access.ADMINISTRATOR, null, null),
            new Entry("/admin/v1", Upstream.TENANT_SERVICE, Access.ADMINISTRATOR, null, null));

    private static Entry tenant(String prefix, Upstream upstream, String readScope, String writeScope) {
        return new Entry(prefix, upstream, Access.TENANT, readScope, writeScope);
    }

    /**
     * How callers of this path must authenticate, before anything else is said about it; empty for paths outside the
     * public API. Every path under {@code /admin} is the administrators', so an API key there is refused (401) even
     * where no route exists.
     */
    public Optional<Access> area(String path) {
        if (path.equals(ADMIN_AREA) || path.startsWith(ADMIN_AREA + "/")) {
            return Optional.of(Access.ADMINISTRATOR);
        }
        for (String area : TENANT_AREAS) {
            if (path.equals(area) || path.startsWith(area + "/")) {
                return Optional.of(Access.TENANT);
            }
        }
        return Optional.empty();
    }

    public Optional<Route> resolve(String method, String path) {
        for (Entry e : ENTRIES) {
            if (e.matches(path)) {
                String scope = isRead(method) ? e.readScope : e.writeScope;
                return Optional.of(new Route(e.upstream, e.access, scope));
            }
        }
        return Optional.empty();
    }

    private static boolean isRead(String method) {
        return "GET".equals(method) || "HEAD".equals(method);
    }
}
