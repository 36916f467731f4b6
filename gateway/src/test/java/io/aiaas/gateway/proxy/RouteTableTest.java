package io.aiaas.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.auth.Scopes;
import io.aiaas.gateway.proxy.Route.Access;
import org.junit.jupiter.api.Test;

class RouteTableTest {
    private final RouteTable table = new RouteTable();

    private Route route(String method, String path) {
        return table.resolve(method, path).orElseThrow(() -> new AssertionError("no route for " + path));
    }

    @Test
    void tenantRoutesAndScopes() {
        assertEquals(new Route(Upstream.MODEL_SERVICE, Access.TENANT, Scopes.MODELS_READ), route("GET", "/v1/models"));
        assertEquals(
                Scopes.MODELS_WRITE, route("POST", "/v1/models/iris/versions").scope());
        assertEquals(Scopes.MODELS_WRITE, route("DELETE", "/v1/models/iris").scope());
        assertEquals(Scopes.MODELS_READ, route("HEAD", "/v1/models/iris").scope());
        assertEquals(Scopes.DATASETS_READ, route("GET", "/v1/datasets/ds_1").scope());
        assertEquals(Scopes.DATASETS_WRITE, route("POST", "/v1/datasets").scope());
        assertEquals(Scopes.JOBS_READ, route("GET", "/v1/jobs/job_1/events").scope());
        assertEquals(Scopes.JOBS_WRITE, route("POST", "/v1/jobs/job_1/cancel").scope());
        assertEquals(new Route(Upstream.TENANT_SERVICE, Access.TENANT, Scopes.USAGE_READ), route("GET", "/v1/usage"));
        assertEquals(Scopes.KEYS_MANAGE, route("GET", "/v1/api-keys").scope());
        assertEquals(Scopes.KEYS_MANAGE, route("DELETE", "/v1/api-keys/abc").scope());
        assertEquals(Upstream.TENANT_SERVICE, route("POST", "/v1/api-keys").upstream());
        assertEquals(
                new Route(Upstream.PREDICTION, Access.TENANT, Scopes.PREDICT), route("POST", "/v2/models/m/infer"));
        assertEquals(Scopes.PREDICT, route("GET", "/tfserving/v1/models/m").scope());
    }

    @Test
    void adminRoutes() {
        Route catalogue = route("PUT", "/admin/v1/models/iris/aliases/production");
        assertEquals(Upstream.MODEL_SERVICE, catalogue.upstream());
        assertEquals(Access.ADMINISTRATOR, catalogue.access());
        assertNull(catalogue.scope());
        assertEquals(Upstream.TENANT_SERVICE, route("GET", "/admin/v1/tenants").upstream());
        assertEquals(new Route(Upstream.MODEL_SERVICE, Access.ADMINISTRATOR, null), route("GET", "/admin/v1/workers"));
        assertEquals(Upstream.TENANT_SERVICE, route("GET", "/admin/v1/workersx").upstream());
        assertEquals(Upstream.TENANT_SERVICE, route("GET", "/admin/v1/modelsx").upstream());
        // a deleted tenant's purge is model-service's; the tenant itself and other sub-paths stay tenant-service's
        assertEquals(
                new Route(Upstream.MODEL_SERVICE, Access.ADMINISTRATOR, null),
                route("GET", "/admin/v1/tenants/ten_abc/purge"));
        assertEquals(
                Upstream.TENANT_SERVICE,
                route("DELETE", "/admin/v1/tenants/ten_abc").upstream());
        assertEquals(
                Upstream.TENANT_SERVICE,
                route("GET", "/admin/v1/tenants/ten_abc/api-keys").upstream());
        assertEquals(
                Upstream.TENANT_SERVICE, route("GET", "/admin/v1/tenants/purge").upstream());
        assertEquals(
                Upstream.TENANT_SERVICE,
                route("GET", "/admin/v1/tenants/a/b/purge").upstream());
        assertEquals(
                Upstream.TENANT_SERVICE,
                route("GET", "/admin/v1/tenants//purge").upstream());
        assertEquals(new Route(Upstream.TENANT_SERVICE, Access.ADMINISTRATOR, null), route("GET", "/admin/v1/usage"));
        assertEquals(
                new Route(Upstream.TENANT_SERVICE, Access.ADMINISTRATOR, null), route("GET", "/admin/v1/usage/export"));
        assertEquals(Access.ADMINISTRATOR, table.area("/admin/v1/usage/export").orElseThrow());
    }

    @Test
    void prefixesMatchWholeSegments() {
        assertTrue(table.resolve("GET", "/v1/modelsx").isEmpty());
        assertTrue(table.resolve("GET", "/v1").isEmpty());
        assertTrue(table.resolve("GET", "/v1/nothing").isEmpty());
        assertTrue(table.resolve("GET", "/admin/v2/tenants").isEmpty());
        assertTrue(table.resolve("GET", "/").isEmpty());
    }

    @Test
    void areas() {
        assertEquals(Access.ADMINISTRATOR, table.area("/admin").orElseThrow());
        assertEquals(Access.ADMINISTRATOR, table.area("/admin/anything").orElseThrow());
        assertEquals(Access.TENANT, table.area("/v1/nothing").orElseThrow());
        assertEquals(Access.TENANT, table.area("/v2").orElseThrow());
        assertEquals(Access.TENANT, table.area("/tfserving/v1/models/m").orElseThrow());
        assertTrue(table.area("/administrator").isEmpty());
        assertTrue(table.area("/v1x").isEmpty());
        assertTrue(table.area("/problems/not-found").isEmpty());
    }
}
