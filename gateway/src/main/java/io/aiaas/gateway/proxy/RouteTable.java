package io.aiaas.gateway.proxy;

import io.aiaas.common.auth.Scopes;
import io.aiaas.gateway.proxy.Route.Access;
import io.aiaas.gateway.proxy.Route.Body;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Optional;

/** The public paths and who serves them (docs/internal-contracts.md). Answers without allocating: it is on every call. */
@ApplicationScoped
public class RouteTable {

    /**
     * A path prefix and its routes; {@code uploadSuffix} names the path under the prefix whose POST carries an upload
     * rather than a JSON body: the prefix itself ({@code ""}) or one segment below it, then the suffix.
     */
    private record Entry(
            String prefix, Optional<Route> read, Optional<Route> write, String uploadSuffix, Optional<Route> upload) {
        boolean matches(String path) {
            return path.startsWith(prefix) && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/');
        }

        Optional<Route> resolve(String method, String path) {
            if (isRead(method)) {
                return read;
            }
            if (upload != null && "POST".equals(method) && isUpload(path)) {
                return upload;
            }
            return write;
        }

        /** {@code <prefix><suffix>}, or {@code <prefix>/<one segment><suffix>} when the suffix starts with "/". */
        private boolean isUpload(String path) {
            String rest = path.substring(prefix.length());
            if (rest.endsWith("/")) {
                rest = rest.substring(0, rest.length() - 1);
            }
            if (!uploadSuffix.startsWith("/")) {
                return rest.equals(uploadSuffix);
            }
            if (!rest.endsWith(uploadSuffix)) {
                return false;
            }
            String segment = rest.substring(0, rest.length() - uploadSuffix.length());
            return segment.length() > 1 && segment.charAt(0) == '/' && segment.indexOf('/', 1) < 0;
        }
    }

    private static final String ADMIN_AREA = "/admin";
    private static final List<String> TENANT_AREAS = List.of("/v1", "/v2", "/tfserving");
    private static final Optional<Access> TENANT_ACCESS = Optional.of(Access.TENANT);
    private static final Optional<Access> ADMIN_ACCESS = Optional.of(Access.ADMINISTRATOR);

    // First match wins: the specific admin prefix precedes the general one.
    private static final List<Entry> ENTRIES = List.of(
            tenant(
                    "/v1/models",
                    Upstream.MODEL_SERVICE,
                    Scopes.MODELS_READ,
                    Scopes.MODELS_WRITE,
                    "/versions",
                    Body.MODEL_ARCHIVE),
            tenant(
                    "/v1/datasets",
                    Upstream.MODEL_SERVICE,
                    Scopes.DATASETS_READ,
                    Scopes.DATASETS_WRITE,
                    "",
                    Body.DATASET),
            tenant("/v1/jobs", Upstream.MODEL_SERVICE, Scopes.JOBS_READ, Scopes.JOBS_WRITE, null, null),
            tenant("/v1/usage", Upstream.TENANT_SERVICE, Scopes.USAGE_READ, Scopes.USAGE_READ, null, null),
            tenant("/v1/api-keys", Upstream.TENANT_SERVICE, Scopes.KEYS_MANAGE, Scopes.KEYS_MANAGE, null, null),
            tenant("/v2", Upstream.PREDICTION, Scopes.PREDICT, Scopes.PREDICT, null, null),
            tenant("/tfserving", Upstream.PREDICTION, Scopes.PREDICT, Scopes.PREDICT, null, null),
            admin("/admin/v1/models", Upstream.MODEL_SERVICE, "/versions", Body.MODEL_ARCHIVE),
            admin("/admin/v1/workers", Upstream.MODEL_SERVICE, null, null),
            // usage of every tenant and its CSV export (/admin/v1/usage/export); named so the route shows
            admin("/admin/v1/usage", Upstream.TENANT_SERVICE, null, null),
            admin("/admin/v1", Upstream.TENANT_SERVICE, null, null));

    /**
     * {@code /admin/v1/tenants/{id}/purge}: model-service purges a deleted tenant's objects and says how far it got,
     * under the prefix that is otherwise tenant-service's.
     */
    private static final String TENANTS = "/admin/v1/tenants/";

    private static final String PURGE = "/purge";
    private static final Optional<Route> TENANT_PURGE =
            Optional.of(new Route(Upstream.MODEL_SERVICE, Access.ADMINISTRATOR, null));

    private static boolean isTenantPurge(String path) {
        int idEnd = path.length() - PURGE.length();
        return idEnd > TENANTS.length()
                && path.startsWith(TENANTS)
                && path.endsWith(PURGE)
                && path.indexOf('/', TENANTS.length()) == idEnd;
    }

    private static Entry tenant(
            String prefix, Upstream upstream, String readScope, String writeScope, String uploadSuffix, Body upload) {
        return new Entry(
                prefix,
                Optional.of(new Route(upstream, Access.TENANT, readScope)),
                Optional.of(new Route(upstream, Access.TENANT, writeScope)),
                uploadSuffix,
                upload == null ? null : Optional.of(new Route(upstream, Access.TENANT, writeScope, upload)));
    }

    private static Entry admin(String prefix, Upstream upstream, String uploadSuffix, Body upload) {
        Optional<Route> route = Optional.of(new Route(upstream, Access.ADMINISTRATOR, null));
        return new Entry(
                prefix,
                route,
                route,
                uploadSuffix,
                upload == null ? null : Optional.of(new Route(upstream, Access.ADMINISTRATOR, null, upload)));
    }

    /**
     * How callers of this path must authenticate, before anything else is said about it; empty for paths outside the
     * public API. Every path under {@code /admin} is the administrators', so an API key there is refused (401) even
     * where no route exists.
     */
    public Optional<Access> area(String path) {
        if (isUnder(path, ADMIN_AREA)) {
            return ADMIN_ACCESS;
        }
        for (String area : TENANT_AREAS) {
            if (isUnder(path, area)) {
                return TENANT_ACCESS;
            }
        }
        return Optional.empty();
    }

    public Optional<Route> resolve(String method, String path) {
        if (isTenantPurge(path)) {
            return TENANT_PURGE;
        }
        for (Entry e : ENTRIES) {
            if (e.matches(path)) {
                return e.resolve(method, path);
            }
        }
        return Optional.empty();
    }

    /** The path prefixes of the public routes, most specific first. */
    public List<String> prefixes() {
        return ENTRIES.stream().map(Entry::prefix).toList();
    }

    private static boolean isUnder(String path, String prefix) {
        return path.startsWith(prefix) && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/');
    }

    private static boolean isRead(String method) {
        return "GET".equals(method) || "HEAD".equals(method);
    }
}
