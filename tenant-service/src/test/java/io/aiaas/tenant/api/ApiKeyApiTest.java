package io.aiaas.tenant.api;

import static io.aiaas.tenant.testing.Api.as;
import static io.aiaas.tenant.testing.Api.asAdmin;
import static io.aiaas.tenant.testing.Api.createKey;
import static io.aiaas.tenant.testing.Api.createTenant;
import static io.aiaas.tenant.testing.Api.problem;
import static io.aiaas.tenant.testing.Api.uniqueName;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.aiaas.common.auth.ApiKeys;
import io.aiaas.common.auth.Scopes;
import io.aiaas.tenant.testing.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
class ApiKeyApiTest {

    private static String verify(String keyHash) {
        return as(Tokens.gatewayService())
                .body(Map.of("keyHash", keyHash))
                .post("/internal/v1/api-keys/verify")
                .then()
                .extract()
                .asString();
    }

    @Test
    void theGatewayFindsALiveKeyByItsHashOnly() {
        String tenant = createTenant(uniqueName("verify"), "standard");
        String[] key = createKey(tenant, List.of(Scopes.PREDICT, Scopes.MODELS_READ));

        as(Tokens.gatewayService())
                .body(Map.of("keyHash", ApiKeys.hash(key[1])))
                .post("/internal/v1/api-keys/verify")
                .then()
                .statusCode(200)
                .body("tenantId", equalTo(tenant))
                .body("keyId", equalTo(key[0]))
                .body("scopes", contains(Scopes.MODELS_READ, Scopes.PREDICT))
                .body("expiresAt", nullValue())
                .body("tenantStatus", equalTo("active"))
                .body("plan.name", equalTo("standard"))
                .body("plan.requestsPerSecond", equalTo(50))
                .body("plan.maxBatchRows", equalTo(1_000_000));
        // verification touched lastUsedAt
        asAdmin().get("/admin/v1/tenants/" + tenant + "/api-keys").then().body("items[0].lastUsedAt", notNullValue());

        // a suspended tenant's key still verifies, and says so
        asAdmin().post("/admin/v1/tenants/" + tenant + "/suspend").then().statusCode(200);
        as(Tokens.gatewayService())
                .body(Map.of("keyHash", ApiKeys.hash(key[1])))
                .post("/internal/v1/api-keys/verify")
                .then()
                .statusCode(200)
                .body("tenantStatus", equalTo("suspended"));

        // revoked: gone
        asAdmin()
                .delete("/admin/v1/tenants/" + tenant + "/api-keys/" + key[0])
                .then()
                .statusCode(204);
        problem(
                as(Tokens.gatewayService())
                        .body(Map.of("keyHash", ApiKeys.hash(key[1])))
                        .post("/internal/v1/api-keys/verify")
                        .then(),
                404,
                "not-found");
        // unknown
        problem(
                as(Tokens.gatewayService())
                        .body(Map.of("keyHash", ApiKeys.hash(ApiKeys.generate())))
                        .post("/internal/v1/api-keys/verify")
                        .then(),
                404,
                "not-found");
        // the key itself, or garbage, is not a hash
        problem(
                as(Tokens.gatewayService())
                        .body(Map.of("keyHash", key[1]))
                        .post("/internal/v1/api-keys/verify")
                        .then(),
                400,
                "invalid-request");
        assertFalse(verify(key[1]).contains(key[1]), "a key is never echoed in an error");
    }

    @Test
    void onlyTheGatewayMayVerify() {
        String tenant = createTenant(uniqueName("verify2"), "free");
        String[] key = createKey(tenant, null);
        Map<String, String> body = Map.of("keyHash", ApiKeys.hash(key[1]));
        problem(asAdmin().body(body).post("/internal/v1/api-keys/verify").then(), 403, "forbidden");
        problem(
                as(Tokens.workerService())
                        .body(body)
                        .post("/internal/v1/api-keys/verify")
                        .then(),
                403,
                "forbidden");
        problem(
                as(Tokens.tenant(tenant, Scopes.ALL))
                        .body(body)
                        .post("/internal/v1/api-keys/verify")
                        .then(),
                403,
                "forbidden");
        problem(
                io.restassured.RestAssured.given()
                        .contentType("application/json")
                        .body(body)
                        .post("/internal/v1/api-keys/verify")
                        .then(),
                401,
                "unauthorized");
    }

    @Test
    void aTenantManagesItsOwnKeysOnly() {
        String acme = createTenant(uniqueName("acme"), "free");
        String globex = createTenant(uniqueName("globex"), "free");
        String[] acmeKey = createKey(acme, null);
        String[] globexKey = createKey(globex, null);
        String acmeToken = Tokens.tenant(acme, acmeKey[0], Scopes.ALL);

        String listing = as(acmeToken)
                .get("/v1/api-keys")
                .then()
                .statusCode(200)
                .body("items", hasSize(1))
                .body("items[0].keyId", equalTo(acmeKey[0]))
                .body("items[0].scopes", contains(Scopes.ALL.toArray()))
                .body("items[0]", not(org.hamcrest.Matchers.hasKey("key")))
                .body("items[0]", not(org.hamcrest.Matchers.hasKey("keyHash")))
                .body("nextCursor", nullValue())
                .extract()
                .asString();
        assertFalse(listing.contains(acmeKey[1]));
        assertFalse(listing.contains(ApiKeys.hash(acmeKey[1])));

        // another tenant's key is as unknown as a missing one
        problem(as(acmeToken).delete("/v1/api-keys/" + globexKey[0]).then(), 404, "not-found");
        as(Tokens.tenant(globex, globexKey[0], Scopes.ALL))
                .get("/v1/api-keys")
                .then()
                .body("items.keyId", contains(globexKey[0]))
                .body("items[0].revokedAt", nullValue());
        // a tid sent by the client means nothing
        as(acmeToken).queryParam("tenant", globex).get("/v1/api-keys").then().body("items.keyId", contains(acmeKey[0]));
        // a token whose claims were edited is refused
        problem(as(Tokens.tamperedTenantToken(acme, globex)).get("/v1/api-keys").then(), 401, "unauthorized");

        // a key made by a key defaults to its creator's scopes, and never exceeds them
        String limited = Tokens.tenant(acme, acmeKey[0], List.of(Scopes.KEYS_MANAGE, Scopes.PREDICT));
        var made = as(limited)
                .body(Map.of("name", "predictor"))
                .post("/v1/api-keys")
                .then()
                .statusCode(201)
                .body("scopes", contains(Scopes.PREDICT, Scopes.KEYS_MANAGE))
                .body("key", notNullValue())
                .extract();
        as(limited)
                .body(Map.of("name", "narrow", "scopes", List.of(Scopes.PREDICT)))
                .post("/v1/api-keys")
                .then()
                .statusCode(201)
                .body("scopes", contains(Scopes.PREDICT));
        problem(
                as(limited)
                        .body(Map.of("name", "wide", "scopes", List.of(Scopes.PREDICT, Scopes.MODELS_WRITE)))
                        .post("/v1/api-keys")
                        .then(),
                403,
                "forbidden");
        problem(
                as(limited)
                        .body(Map.of("name", "odd", "scopes", List.of("admin")))
                        .post("/v1/api-keys")
                        .then(),
                422,
                "unprocessable");
        problem(as(limited).body("{\"name\": ").post("/v1/api-keys").then(), 400, "invalid-request");
        problem(
                as(limited)
                        .body(Map.of("name", List.of("x")))
                        .post("/v1/api-keys")
                        .then(),
                400,
                "invalid-request");
        as(acmeToken).get("/v1/api-keys").then().body("items", hasSize(3));

        // without keys:manage, nothing
        String noManage = Tokens.tenant(acme, acmeKey[0], List.of(Scopes.PREDICT, Scopes.USAGE_READ));
        problem(as(noManage).get("/v1/api-keys").then(), 403, "forbidden");
        problem(as(noManage).body(Map.of("name", "x")).post("/v1/api-keys").then(), 403, "forbidden");
        problem(as(noManage).delete("/v1/api-keys/" + acmeKey[0]).then(), 403, "forbidden");
        // an admin token is not a tenant's
        problem(asAdmin().get("/v1/api-keys").then(), 403, "forbidden");

        String newKeyId = made.path("keyId");
        as(acmeToken).delete("/v1/api-keys/" + newKeyId).then().statusCode(204);
        as(acmeToken).delete("/v1/api-keys/" + newKeyId).then().statusCode(204);
        as(acmeToken).get("/v1/api-keys").then().body("items.revokedAt", hasItem(notNullValue()));
        asAdmin()
                .queryParam("tenant", acme)
                .get("/admin/v1/audit")
                .then()
                .body("items[0].action", equalTo("api-key.revoked"))
                .body("items[0].actor", equalTo(acmeKey[0]))
                .body("items[0].target", equalTo("api-key:" + newKeyId));

        // paging over keys
        var page = as(acmeToken)
                .queryParam("limit", 2)
                .get("/v1/api-keys")
                .then()
                .statusCode(200)
                .extract();
        String cursor = page.path("nextCursor");
        as(acmeToken)
                .queryParam("cursor", cursor)
                .get("/v1/api-keys")
                .then()
                .statusCode(200)
                .body("items.keyId", contains(acmeKey[0]));
        problem(as(acmeToken).queryParam("limit", "abc").get("/v1/api-keys").then(), 400, "invalid-request");
    }
}
