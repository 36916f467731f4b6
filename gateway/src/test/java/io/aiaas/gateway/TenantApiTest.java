package io.aiaas.gateway;

import static io.aiaas.gateway.support.Problems.problem;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.auth.ApiKeys;
import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.auth.Scopes;
import io.aiaas.common.http.RequestIds;
import io.aiaas.common.id.Ids;
import io.aiaas.gateway.support.StandInService;
import io.aiaas.gateway.support.StandIns;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(StandIns.class)
class TenantApiTest {
    private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    @BeforeEach
    void reset() {
        StandIns.resetAnswers();
    }

    @Test
    void noCredentialsIs401() {
        problem(given().when().get("/v1/models").then(), 401, "unauthorized")
                .header("WWW-Authenticate", startsWith("Bearer"));
    }

    @Test
    void malformedKeyIs401WithoutAnyLookUp() {
        int before = StandIns.VERIFY_CALLS.get();
        String key = StandIns.registerKey(Scopes.ALL);
        String mistyped = key.substring(0, 20) + (key.charAt(20) == 'a' ? 'b' : 'a') + key.substring(21);
        problem(
                        given().header("Authorization", "Bearer " + mistyped)
                                .get("/v1/models")
                                .then(),
                        401,
                        "unauthorized")
                .body(not(containsString(mistyped)));
        problem(given().header("X-API-Key", "not-a-key").get("/v1/models").then(), 401, "unauthorized");
        assertEquals(before, StandIns.VERIFY_CALLS.get());
        assertTrue(StandIns.modelService.received().isEmpty());
    }

    private static org.hamcrest.Matcher<String> not(org.hamcrest.Matcher<String> m) {
        return org.hamcrest.Matchers.not(m);
    }

    @Test
    void unknownKeyIs401() {
        problem(
                given().header("Authorization", "Bearer " + ApiKeys.generate())
                        .get("/v1/models")
                        .then(),
                401,
                "unauthorized");
        assertTrue(StandIns.modelService.received().isEmpty());
    }

    @Test
    void expiredKeyIs401() {
        String key = StandIns.registerKey(Scopes.ALL, "active", Instant.now().minusSeconds(5));
        problem(
                given().header("Authorization", "Bearer " + key)
                        .get("/v1/models")
                        .then(),
                401,
                "unauthorized");
    }

    @Test
    void suspendedTenantIs403() {
        String key = StandIns.registerKey(Scopes.ALL, "suspended", null);
        problem(
                given().header("Authorization", "Bearer " + key)
                        .get("/v1/models")
                        .then(),
                403,
                "tenant-suspended");
        assertTrue(StandIns.modelService.received().isEmpty());
    }

    @Test
    void missingScopeIs403() {
        String key = StandIns.registerKey(List.of(Scopes.MODELS_READ));
        given().header("Authorization", "Bearer " + key)
                .get("/v1/models")
                .then()
                .statusCode(200);
        problem(
                        given().header("Authorization", "Bearer " + key)
                                .contentType("application/json")
                                .body("{\"name\":\"m\"}")
                                .post("/v1/models")
                                .then(),
                        403,
                        "forbidden")
                .body("detail", containsString("models:write"));
        problem(
                given().header("Authorization", "Bearer " + key)
                        .get("/v1/api-keys")
                        .then(),
                403,
                "forbidden");
        problem(
                given().header("Authorization", "Bearer " + key)
                        .get("/v2/models/m")
                        .then(),
                403,
                "forbidden");
    }

    @Test
    void keyViaXApiKeyIsForwarded() {
        String key = StandIns.registerKey(List.of(Scopes.USAGE_READ));
        given().header("X-API-Key", key)
                .get("/v1/usage?from=2025-01-01&granularity=day")
                .then()
                .statusCode(200);
        StandInService.Received r = StandIns.tenantService.last();
        assertEquals("/v1/usage", r.path());
        assertEquals("from=2025-01-01&granularity=day", r.query());
        assertNull(r.header("X-API-Key"));
        assertEquals(
                InternalToken.AUDIENCE_TENANT_SERVICE, r.token().orElseThrow().aud());
    }

    @Test
    void forwardedRequestCarriesInternalTokenAndContext() {
        String key = StandIns.registerKey(List.of(Scopes.MODELS_READ, Scopes.MODELS_WRITE));
        String body = "{\"name\":\"iris\",\"description\":\"fl\u00f6wers\"}";
        String requestId = given().header("Authorization", "Bearer " + key)
                .header("X-Request-Id", "req-forward-1")
                .header("traceparent", TRACEPARENT)
                .header("Idempotency-Key", "idem-1")
                .header("Accept", "application/json")
                .contentType("application/json; charset=UTF-8")
                .body(body)
                .post("/v1/models?dryRun=true")
                .then()
                .statusCode(200)
                .header("X-Request-Id", "req-forward-1")
                .contentType(startsWith("application/json"))
                .body("name", equalTo("iris"))
                .extract()
                .header("X-Request-Id");
        assertEquals("req-forward-1", requestId, "the caller sees its own id");

        StandInService.Received r = StandIns.modelService.last();
        assertEquals("POST", r.method());
        assertEquals("/v1/models", r.path());
        assertEquals("dryRun=true", r.query());
        assertEquals(body, r.bodyText());
        assertEquals(String.valueOf(r.bodyBytes()), r.header("Content-Length"));
        assertTrue(r.header("Content-Type").startsWith("application/json"));
        // The gateway's own id travels on; the caller's only beside it, for correlation.
        assertTrue(Ids.isValid(Ids.REQUEST, r.header("X-Request-Id")), r.header("X-Request-Id"));
        assertEquals("req-forward-1", r.header("X-Client-Request-Id"));
        // The trace goes on: same trace id, the gateway's span as parent.
        String[] trace = r.header("traceparent").split("-");
        assertEquals(TRACEPARENT.split("-")[1], trace[1], r.header("traceparent"));
        assertNotEquals(TRACEPARENT.split("-")[2], trace[2], "the service's parent is the gateway's span");
        assertEquals("idem-1", r.header("Idempotency-Key"));
        assertNull(r.header("X-API-Key"));
        String authorization = r.header("Authorization");
        assertFalse(authorization.contains(key), "the client's key never travels on");
        InternalToken token = r.token().orElseThrow();
        assertEquals(InternalToken.ISSUER_GATEWAY, token.iss());
        assertEquals(InternalToken.AUDIENCE_MODEL_SERVICE, token.aud());
        assertEquals(ApiKeys.keyId(key), token.sub());
        assertEquals(StandIns.TENANT, token.tid());
        assertEquals(List.of(Scopes.MODELS_READ, Scopes.MODELS_WRITE), token.scp());
        assertTrue(token.roles().isEmpty());
        assertNull(token.rid(), "the request id travels in X-Request-Id, so the token can be reused");
        assertEquals("free", token.plan().name());
        assertEquals(1_048_576, token.plan().maxRequestBytes());
        assertTrue(token.exp() - token.iat() <= 60);
    }

    @Test
    void requestIdIsMadeWhenAbsentAndTravels() {
        String key = StandIns.registerKey(List.of(Scopes.JOBS_READ));
        String id = given().header("Authorization", "Bearer " + key)
                .get("/v1/jobs")
                .then()
                .statusCode(200)
                .extract()
                .header("X-Request-Id");
        assertTrue(Ids.isValid(Ids.REQUEST, id), id);
        StandInService.Received r = StandIns.modelService.last();
        assertEquals(id, r.header("X-Request-Id"));
        assertNull(r.header("X-Client-Request-Id"));
        assertTrue(RequestIds.isValidTraceparent(r.header("traceparent")), r.header("traceparent"));
    }

    @Test
    void upstreamStatusAndHeadersAreRelayed() {
        String key = StandIns.registerKey(List.of(Scopes.JOBS_WRITE));
        StandIns.modelService.answerWith((r, exchange) -> {
            exchange.getResponseHeaders().add("Location", "/v1/jobs/job_1");
            exchange.getResponseHeaders().add("Retry-After", "3");
            exchange.getResponseHeaders().add("Cache-Control", "no-store");
            exchange.getResponseHeaders().add("X-Internal-Secret", "never-relayed");
            StandInService.respond(exchange, 202, "application/json", "{\"id\":\"job_1\",\"status\":\"queued\"}");
        });
        given().header("Authorization", "Bearer " + key)
                .contentType("application/json")
                .body("{\"type\":\"inference\"}")
                .post("/v1/jobs")
                .then()
                .statusCode(202)
                .header("Location", "/v1/jobs/job_1")
                .header("Retry-After", "3")
                .header("Cache-Control", "no-store")
                .header("X-Internal-Secret", (String) null)
                .body("id", equalTo("job_1"));
    }

    @Test
    void upstreamProblemIsRelayedAsIs() {
        String key = StandIns.registerKey(List.of(Scopes.MODELS_READ));
        StandIns.modelService.answerWith((r, exchange) -> StandInService.respond(
                exchange,
                404,
                "application/problem+json",
                "{\"type\":\"/problems/not-found\",\"title\":\"Not found\",\"status\":404,\"requestId\":\"x\"}"));
        given().header("Authorization", "Bearer " + key)
                .get("/v1/models/nope")
                .then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("type", equalTo("/problems/not-found"));
    }

    @Test
    void revocationTakesEffectWithinOneSecond() throws InterruptedException {
        String key = StandIns.registerKey(List.of(Scopes.MODELS_READ));
        given().header("Authorization", "Bearer " + key)
                .get("/v1/models")
                .then()
                .statusCode(200);
        StandIns.revoke(key);
        Thread.sleep(1100);
        problem(
                given().header("Authorization", "Bearer " + key)
                        .get("/v1/models")
                        .then(),
                401,
                "unauthorized");
    }

    @Test
    void unknownPathsAre404Problems() {
        problem(given().get("/nowhere").then(), 404, "not-found");
        String key = StandIns.registerKey(Scopes.ALL);
        problem(
                given().header("Authorization", "Bearer " + key)
                        .get("/v1/nowhere")
                        .then(),
                404,
                "not-found");
        problem(
                given().header("Authorization", "Bearer " + key)
                        .get("/v1/modelsx")
                        .then(),
                404,
                "not-found");
    }

    @Test
    void dotSegmentsAreRefused() {
        String key = StandIns.registerKey(List.of(Scopes.MODELS_READ));
        problem(
                given().urlEncodingEnabled(false)
                        .header("Authorization", "Bearer " + key)
                        .get("/v1/models/%2e%2e/api-keys")
                        .then(),
                400,
                "invalid-request");
        assertTrue(StandIns.modelService.received().isEmpty());
        assertTrue(StandIns.tenantService.received().stream()
                .noneMatch(r -> r.path().startsWith("/v1/api-keys")));
    }

    @Test
    void apiKeyOnAdminIs401() {
        String key = StandIns.registerKey(Scopes.ALL);
        int before = StandIns.VERIFY_CALLS.get();
        problem(
                given().header("Authorization", "Bearer " + key)
                        .get("/admin/v1/tenants")
                        .then(),
                401,
                "unauthorized");
        problem(given().header("X-API-Key", key).get("/admin/v1/tenants").then(), 401, "unauthorized");
        problem(given().header("X-API-Key", key).get("/admin/nowhere").then(), 401, "unauthorized");
        assertEquals(before, StandIns.VERIFY_CALLS.get());
        assertTrue(StandIns.tenantService.received().stream()
                .noneMatch(r -> r.path().startsWith("/admin")));
    }

    @Test
    void problemPagesAreServed() {
        given().get("/problems/not-found")
                .then()
                .statusCode(200)
                .contentType(startsWith("text/html"))
                .header("X-Request-Id", notNullValue())
                .body(containsString("Not found"));
        given().get("/problems/tenant-suspended").then().statusCode(200);
        problem(given().get("/problems/no-such-slug").then(), 404, "not-found");
    }

    @Test
    void operationsEndpointsStayOpenAndCarryRequestIds() {
        given().get("/q/health/live").then().statusCode(200).header("X-Request-Id", notNullValue());
        given().header("X-Request-Id", "req-health-1")
                .get("/q/health/ready")
                .then()
                .statusCode(200)
                .header("X-Request-Id", "req-health-1")
                .body("checks.find { it.name == 'gateway' }.status", equalTo("UP"));
        given().get("/q/metrics").then().statusCode(200).header("X-Request-Id", notNullValue());
        given().get("/q/openapi").then().statusCode(200);
    }

    @Test
    void callersRequestIdIsEchoedOnErrors() {
        given().header("X-Request-Id", "req-error-1")
                .get("/v1/models")
                .then()
                .statusCode(401)
                .header("X-Request-Id", "req-error-1")
                // the body names the gateway's own id: a caller's id never becomes an identity
                .body("requestId", startsWith("req_"));
    }
}
