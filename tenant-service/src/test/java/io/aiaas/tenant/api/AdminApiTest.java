package io.aiaas.tenant.api;

import static io.aiaas.tenant.testing.Api.allOf;
import static io.aiaas.tenant.testing.Api.as;
import static io.aiaas.tenant.testing.Api.asAdmin;
import static io.aiaas.tenant.testing.Api.createKey;
import static io.aiaas.tenant.testing.Api.createTenant;
import static io.aiaas.tenant.testing.Api.problem;
import static io.aiaas.tenant.testing.Api.uniqueName;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.auth.ApiKeys;
import io.aiaas.common.auth.Scopes;
import io.aiaas.tenant.testing.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
class AdminApiTest {
    private static final String RFC3339_MILLIS = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z";

    @Test
    void seededPlansHoldTheContractsLimits() {
        asAdmin()
                .get("/admin/v1/plans")
                .then()
                .statusCode(200)
                .body("items.name", hasItems("free", "standard", "enterprise"))
                .body("nextCursor", nullValue());
        asAdmin()
                .get("/admin/v1/plans/standard")
                .then()
                .statusCode(200)
                .body("requestsPerSecond", equalTo(50))
                .body("burst", equalTo(100))
                .body("concurrentJobs", equalTo(4))
                .body("monthlyComputeUnits", equalTo(10_000_000))
                .body("maxRequestBytes", equalTo(8 * 1024 * 1024))
                .body("maxModelBytes", equalTo(500 * 1024 * 1024))
                .body("storageBytes", equalTo(10L * 1024 * 1024 * 1024))
                .body("maxBatchRows", equalTo(1_000_000));
        asAdmin()
                .get("/admin/v1/plans/enterprise")
                .then()
                .body("storageBytes", equalTo(1024L * 1024 * 1024 * 1024))
                .body("monthlyComputeUnits", equalTo(1_000_000_000));
        problem(asAdmin().get("/admin/v1/plans/platinum").then(), 404, "not-found");
    }

    @Test
    void createsAndReadsATenant() {
        String name = uniqueName("acme");
        var created = asAdmin()
                .body(Map.of("name", name, "plan", "free", "ownerEmail", "ops@acme.example"))
                .post("/admin/v1/tenants")
                .then()
                .statusCode(201)
                .body("id", matchesPattern("^ten_[0-9A-Za-z]{22}$"))
                .body("name", equalTo(name))
                .body("plan", equalTo("free"))
                .body("status", equalTo("active"))
                .body("createdAt", matchesPattern(RFC3339_MILLIS))
                .extract();
        String id = created.path("id");
        assertTrue(created.header("Location").endsWith("/admin/v1/tenants/" + id));

        asAdmin()
                .get("/admin/v1/tenants/" + id)
                .then()
                .statusCode(200)
                .body("name", equalTo(name))
                .body("ownerEmail", equalTo("ops@acme.example"));
        problem(asAdmin().get("/admin/v1/tenants/ten_0000000000000000000000").then(), 404, "not-found");

        // name taken, case-insensitively
        problem(
                asAdmin()
                        .body(Map.of("name", name.toUpperCase(), "plan", "standard"))
                        .post("/admin/v1/tenants")
                        .then(),
                409,
                "conflict");
        // the audit trail names the administrator
        asAdmin()
                .queryParam("tenant", id)
                .get("/admin/v1/audit")
                .then()
                .statusCode(200)
                .body("items[0].action", equalTo("tenant.created"))
                .body("items[0].actor", equalTo("alice"))
                .body("items[0].target", equalTo("tenant:" + id))
                .body("items[0].requestId", equalTo("req-test-admin"));
    }

    @Test
    void badTenantBodiesAreRefusedAndNothingIsStored() {
        String name = uniqueName("bad");
        problem(
                asAdmin()
                        .body("{\"name\": \"" + name + "\", \"plan\": ")
                        .post("/admin/v1/tenants")
                        .then(),
                400,
                "invalid-request");
        problem(
                asAdmin()
                        .body("{\"name\": \"" + name + "\", \"plan\": 5}")
                        .post("/admin/v1/tenants")
                        .then(),
                400,
                "invalid-request");
        problem(
                asAdmin()
                        .body("{\"name\": 17, \"plan\": \"free\"}")
                        .post("/admin/v1/tenants")
                        .then(),
                400,
                "invalid-request");
        problem(asAdmin().body("[\"" + name + "\"]").post("/admin/v1/tenants").then(), 400, "invalid-request");
        problem(asAdmin().body("{\"plan\": \"free\"}").post("/admin/v1/tenants").then(), 400, "invalid-request");
        problem(asAdmin().body("").post("/admin/v1/tenants").then(), 400, "invalid-request");
        problem(
                asAdmin()
                        .body(Map.of("name", name, "plan", "platinum"))
                        .post("/admin/v1/tenants")
                        .then(),
                422,
                "unprocessable");
        problem(
                asAdmin()
                        .body(Map.of("name", name, "plan", "free", "ownerEmail", "not an address"))
                        .post("/admin/v1/tenants")
                        .then(),
                422,
                "unprocessable");
        problem(
                asAdmin()
                        .contentType("text/plain")
                        .body("hello")
                        .post("/admin/v1/tenants")
                        .then(),
                415,
                "unsupported-media-type");

        assertFalse(allOf(Tokens.admin(), "/admin/v1/tenants", "name").contains(name));
    }

    @Test
    void listsPageNewestFirstWithOpaqueCursors() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(createTenant(uniqueName("page"), "free"));
        }
        var first = asAdmin()
                .queryParam("limit", 2)
                .get("/admin/v1/tenants")
                .then()
                .statusCode(200)
                .extract();
        assertEquals(List.of(ids.get(2), ids.get(1)), first.jsonPath().getList("items.id"));
        String cursor = first.path("nextCursor");
        assertTrue(cursor != null && !cursor.contains(ids.get(1)), "the cursor is opaque");
        asAdmin()
                .queryParam("limit", 1)
                .queryParam("cursor", cursor)
                .get("/admin/v1/tenants")
                .then()
                .statusCode(200)
                .body("items.id", contains(ids.get(0)));

        // every tenant exactly once over all pages
        List<String> all = allOf(Tokens.admin(), "/admin/v1/tenants", "id");
        assertEquals(all.size(), new HashSet<>(all).size());
        assertTrue(all.containsAll(ids));

        asAdmin().queryParam("limit", 1000).get("/admin/v1/tenants").then().statusCode(200);
        for (String bad : List.of("0", "-1", "ten", "1.5", " ")) {
            var r = asAdmin().queryParam("limit", bad).get("/admin/v1/tenants").then();
            assertEquals(400, r.extract().statusCode(), "limit=" + bad);
            problem(r, 400, "invalid-request");
        }
        for (String bad : List.of("garbage", "bm90IGEgY3Vyc29y", cursor + "x", "%%%")) {
            var r = asAdmin().queryParam("cursor", bad).get("/admin/v1/tenants").then();
            assertEquals(400, r.extract().statusCode(), "cursor=" + bad);
            problem(r, 400, "invalid-request");
        }
    }

    @Test
    void administratorsIssueKeysForATenant() {
        String tenant = createTenant(uniqueName("keys"), "standard");
        var created = asAdmin()
                .body(Map.of("name", "ci"))
                .post("/admin/v1/tenants/" + tenant + "/api-keys")
                .then()
                .statusCode(201)
                .body("scopes", contains(Scopes.ALL.toArray()))
                .body("expiresAt", nullValue())
                .extract();
        String key = created.path("key");
        assertTrue(ApiKeys.isWellFormed(key));
        assertEquals(ApiKeys.keyId(key), created.path("keyId"));

        String expires = Instant.now()
                .plus(1, ChronoUnit.DAYS)
                .truncatedTo(ChronoUnit.MILLIS)
                .toString();
        asAdmin()
                .body(Map.of("name", "reader", "scopes", List.of("models:read", "predict"), "expiresAt", expires))
                .post("/admin/v1/tenants/" + tenant + "/api-keys")
                .then()
                .statusCode(201)
                .body("scopes", contains("models:read", "predict"))
                .body("expiresAt", matchesPattern(RFC3339_MILLIS));

        String listing = asAdmin()
                .get("/admin/v1/tenants/" + tenant + "/api-keys")
                .then()
                .statusCode(200)
                .body("items", hasSize(2))
                .body("items[0].name", equalTo("reader"))
                .body("items[1].keyId", equalTo(ApiKeys.keyId(key)))
                .body("items[0]", not(org.hamcrest.Matchers.hasKey("key")))
                .extract()
                .asString();
        assertFalse(listing.contains(key), "a listing never shows a key");
        assertFalse(listing.contains(ApiKeys.hash(key)), "nor its hash");

        problem(
                asAdmin()
                        .body(Map.of("name", "x", "scopes", List.of("models:read", "root")))
                        .post("/admin/v1/tenants/" + tenant + "/api-keys")
                        .then(),
                422,
                "unprocessable");
        problem(
                asAdmin()
                        .body(Map.of("name", "x", "expiresAt", "2001-01-01T00:00:00Z"))
                        .post("/admin/v1/tenants/" + tenant + "/api-keys")
                        .then(),
                422,
                "unprocessable");
        problem(
                asAdmin()
                        .body(Map.of("name", "x", "expiresAt", "next tuesday"))
                        .post("/admin/v1/tenants/" + tenant + "/api-keys")
                        .then(),
                400,
                "invalid-request");
        problem(
                asAdmin()
                        .body(Map.of("name", "x", "scopes", "predict"))
                        .post("/admin/v1/tenants/" + tenant + "/api-keys")
                        .then(),
                400,
                "invalid-request");
        problem(
                asAdmin()
                        .body(Map.of("name", "x"))
                        .post("/admin/v1/tenants/ten_0000000000000000000000/api-keys")
                        .then(),
                404,
                "not-found");
        asAdmin().get("/admin/v1/tenants/" + tenant + "/api-keys").then().body("items", hasSize(2));

        asAdmin()
                .delete("/admin/v1/tenants/" + tenant + "/api-keys/" + ApiKeys.keyId(key))
                .then()
                .statusCode(204);
        asAdmin()
                .get("/admin/v1/tenants/" + tenant + "/api-keys")
                .then()
                .body("items[1].revokedAt", matchesPattern(RFC3339_MILLIS))
                .body("items[0].revokedAt", nullValue());
        problem(
                asAdmin()
                        .delete("/admin/v1/tenants/" + tenant + "/api-keys/nosuchkey000")
                        .then(),
                404,
                "not-found");
        asAdmin()
                .queryParam("tenant", tenant)
                .get("/admin/v1/audit")
                .then()
                .body(
                        "items.action",
                        contains("api-key.revoked", "api-key.created", "api-key.created", "tenant.created"));
    }

    @Test
    void tenantLifecycle() {
        String name = uniqueName("life");
        String tenant = createTenant(name, "free");
        asAdmin()
                .body(Map.of("plan", "enterprise"))
                .patch("/admin/v1/tenants/" + tenant)
                .then()
                .statusCode(200)
                .body("plan", equalTo("enterprise"))
                .body("name", equalTo(name));
        problem(
                asAdmin()
                        .body(Map.of("plan", "gold"))
                        .patch("/admin/v1/tenants/" + tenant)
                        .then(),
                422,
                "unprocessable");
        asAdmin()
                .post("/admin/v1/tenants/" + tenant + "/suspend")
                .then()
                .statusCode(200)
                .body("status", equalTo("suspended"));
        asAdmin()
                .post("/admin/v1/tenants/" + tenant + "/resume")
                .then()
                .statusCode(200)
                .body("status", equalTo("active"));
        asAdmin().delete("/admin/v1/tenants/" + tenant).then().statusCode(204);
        problem(asAdmin().get("/admin/v1/tenants/" + tenant).then(), 404, "not-found");
        // the name is free again
        assertNotEquals(tenant, createTenant(name, "free"));
    }

    @Test
    void plansCanBeAddedAndChanged() {
        String name = uniqueName("plan");
        Map<String, Object> plan = Map.of(
                "name",
                name,
                "requestsPerSecond",
                7,
                "burst",
                14,
                "concurrentJobs",
                2,
                "monthlyComputeUnits",
                1000,
                "maxRequestBytes",
                1024,
                "maxModelBytes",
                2048,
                "storageBytes",
                4096,
                "maxBatchRows",
                10);
        asAdmin().body(plan).post("/admin/v1/plans").then().statusCode(201).body("burst", equalTo(14));
        problem(asAdmin().body(plan).post("/admin/v1/plans").then(), 409, "conflict");
        var changed = new java.util.HashMap<>(plan);
        changed.put("burst", 20);
        asAdmin()
                .body(changed)
                .put("/admin/v1/plans/" + name)
                .then()
                .statusCode(200)
                .body("burst", equalTo(20));
        changed.put("burst", "twenty");
        problem(asAdmin().body(changed).put("/admin/v1/plans/" + name).then(), 400, "invalid-request");
        changed.put("burst", 0);
        problem(asAdmin().body(changed).put("/admin/v1/plans/" + name).then(), 422, "unprocessable");
        changed.remove("burst");
        problem(asAdmin().body(changed).put("/admin/v1/plans/" + name).then(), 400, "invalid-request");
        asAdmin().get("/admin/v1/plans/" + name).then().body("burst", equalTo(20));
    }

    @Test
    void onlyValidGatewayTokensGetIn() {
        problem(given().get("/admin/v1/tenants").then(), 401, "unauthorized");
        problem(
                given().header("Authorization", "Bearer not-a-jwt")
                        .get("/admin/v1/tenants")
                        .then(),
                401,
                "unauthorized");
        problem(as(Tokens.forgedAdmin()).get("/admin/v1/tenants").then(), 401, "unauthorized");
        problem(as(Tokens.adminSignedByWorkerKey()).get("/admin/v1/tenants").then(), 401, "unauthorized");
        problem(as(Tokens.expiredAdmin()).get("/admin/v1/tenants").then(), 401, "unauthorized");
        problem(as(Tokens.adminForModelService()).get("/admin/v1/tenants").then(), 401, "unauthorized");
        // An API key itself is not an internal token.
        problem(
                given().header("Authorization", "Bearer " + ApiKeys.generate())
                        .get("/admin/v1/plans")
                        .then(),
                401,
                "unauthorized");

        String tenant = createTenant(uniqueName("nosy"), "free");
        problem(as(Tokens.tenant(tenant, Scopes.ALL)).get("/admin/v1/tenants").then(), 403, "forbidden");
        problem(
                as(Tokens.tenant(tenant, Scopes.ALL))
                        .body(Map.of("name", uniqueName("x"), "plan", "free"))
                        .post("/admin/v1/tenants")
                        .then(),
                403,
                "forbidden");
        problem(as(Tokens.workerService()).get("/admin/v1/plans").then(), 403, "forbidden");
        // health, metrics and the OpenAPI document stay open
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);
        given().get("/q/openapi").then().statusCode(200);
        // the request id travels back
        given().header("X-Request-Id", "req-abc")
                .get("/admin/v1/tenants")
                .then()
                .header("X-Request-Id", "req-abc")
                .body("requestId", equalTo("req-abc"));
        assertTrue(createKey(tenant, null)[1].startsWith("aiaas_"));
    }
}
