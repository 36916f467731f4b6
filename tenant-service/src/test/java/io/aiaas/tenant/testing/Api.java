package io.aiaas.tenant.testing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import io.aiaas.common.auth.Scopes;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Calls as the gateway would forward them, and the checks every problem answer must pass. */
public final class Api {
    private Api() {}

    public static RequestSpecification as(String token) {
        return given().header("Authorization", "Bearer " + token).contentType("application/json");
    }

    /** As an administrator; the request id travels in {@code X-Request-Id}, as the gateway forwards it. */
    public static RequestSpecification asAdmin() {
        return as(Tokens.admin()).header("X-Request-Id", "req-test-admin");
    }

    public static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A new tenant on {@code plan}; its id. */
    public static String createTenant(String name, String plan) {
        return asAdmin()
                .body(Map.of("name", name, "plan", plan))
                .post("/admin/v1/tenants")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
    }

    /** A key made by an administrator: {@code [keyId, key]}. */
    public static String[] createKey(String tenantId, List<String> scopes) {
        var body = scopes == null ? Map.of("name", "test key") : Map.of("name", "test key", "scopes", scopes);
        var r = asAdmin()
                .body(body)
                .post("/admin/v1/tenants/" + tenantId + "/api-keys")
                .then()
                .statusCode(201)
                .extract();
        return new String[] {r.path("keyId"), r.path("key")};
    }

    /** Every name of a list, following {@code nextCursor} to the end. */
    public static List<String> allOf(String token, String path, String field) {
        List<String> out = new ArrayList<>();
        String cursor = null;
        do {
            var spec = as(token).queryParam("limit", 100);
            if (cursor != null) {
                spec.queryParam("cursor", cursor);
            }
            var r = spec.get(path).then().statusCode(200).extract();
            out.addAll(r.jsonPath().getList("items." + field, String.class));
            cursor = r.path("nextCursor");
        } while (cursor != null);
        return out;
    }

    /** The RFC 9457 body the contract promises, with the expected status and problem slug. */
    public static ValidatableResponse problem(ValidatableResponse response, int status, String slug) {
        return response.statusCode(status)
                .contentType(startsWith("application/problem+json"))
                .body("status", equalTo(status))
                .body("type", equalTo("/problems/" + slug))
                .body("title", notNullValue())
                .body("detail", notNullValue())
                .body("requestId", notNullValue());
    }

    /** The tenant's {@code computeUnits} in {@code GET /v1/usage}, read with a usage:read token. */
    public static JsonPath computeUnits(String tenantId) {
        return as(Tokens.tenant(tenantId, List.of(Scopes.USAGE_READ)))
                .get("/v1/usage")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .setRootPath("computeUnits");
    }
}
