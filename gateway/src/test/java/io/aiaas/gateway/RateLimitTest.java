package io.aiaas.gateway;

import static io.aiaas.gateway.support.Problems.problem;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.auth.ApiKeys;
import io.aiaas.common.auth.Scopes;
import io.aiaas.common.error.ProblemType;
import io.aiaas.common.id.Ids;
import io.aiaas.common.json.Json;
import io.aiaas.gateway.support.StandInService;
import io.aiaas.gateway.support.StandIns;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The plan's rate limit at the gateway, against a stand-in owner of the buckets (the real one: RateLimitIT). */
@QuarkusTest
@QuarkusTestResource(StandIns.class)
class RateLimitTest {
    private static final String RATE_LIMIT = "\"default\";r=\\d+;t=\\d+";

    @BeforeEach
    void reset() {
        StandIns.resetAnswers();
    }

    /** A key of a tenant of its own (slices and refusals are kept per tenant), on a plan of this rate and burst. */
    private static String key(String tenantId, int rate, int burst, List<String> scopes) {
        Map<String, Object> plan = StandIns.plan("test", 1_048_576, 52_428_800);
        plan.put("requestsPerSecond", rate);
        plan.put("burst", burst);
        String key = StandIns.registerKey(scopes, plan);
        StandIns.KEYS.get(ApiKeys.hash(key)).put("tenantId", tenantId);
        return key;
    }

    @Test
    void everyTenantResponseCarriesThePlansRateLimitAndOneLeaseServesManyRequests() throws Exception {
        String tenant = Ids.newId(Ids.TENANT);
        String key = key(tenant, 1_000, 2_000, Scopes.ALL);
        for (int i = 0; i < 10; i++) {
            given().header("Authorization", "Bearer " + key)
                    .get("/v1/models")
                    .then()
                    .statusCode(200)
                    .header("RateLimit-Policy", "\"default\";q=2000;w=1")
                    .header("RateLimit", matchesPattern(RATE_LIMIT));
        }
        List<StandInService.Received> leases = leasesOf(tenant);
        assertEquals(1, leases.size(), "50 ms of 1,000/s is a slice of 50: one lease for ten requests");
        JsonNode lease = Json.mapper().readTree(leases.get(0).bodyPrefix());
        assertEquals(tenant, lease.path("tenantId").asText());
        assertEquals(1_000, lease.path("requestsPerSecond").asInt());
        assertEquals(2_000, lease.path("burst").asInt());
        assertEquals(50, lease.path("want").asLong());
        assertEquals(1, lease.path("immediate").asLong(), "the first request waited for it; the rest is kept");
        assertTrue(lease.path("replica").asText().startsWith("gw_"));
    }

    @Test
    void aRefusalIs429QuotaExceededWithRetryAfterAndCostsNoFurtherLeaseUntilThen() {
        StandIns.tenantService.answerLeasesWith((r, exchange) -> StandInService.respond(
                exchange,
                200,
                "application/json",
                "{\"epoch\":\"rle_x\",\"granted\":0,\"available\":0,\"retryAfterMillis\":4500,\"leaseMillis\":500}"));
        String tenant = Ids.newId(Ids.TENANT);
        String key = key(tenant, 5, 5, Scopes.ALL);
        quotaExceeded(given().header("Authorization", "Bearer " + key)
                        .get("/v1/models")
                        .then())
                .header("Retry-After", "5")
                .header("RateLimit-Policy", "\"default\";q=5;w=1")
                .header("RateLimit", "\"default\";r=0;t=5");
        for (int i = 0; i < 3; i++) {
            // refused here, from what the owner said: the seconds left count down
            quotaExceeded(given().header("Authorization", "Bearer " + key)
                            .get("/v1/models")
                            .then())
                    .header("Retry-After", matchesPattern("[1-5]"))
                    .header("RateLimit", matchesPattern("\"default\";r=0;t=[1-5]"));
        }
        assertEquals(1, leasesOf(tenant).size(), "the refusal is remembered until the token exists");
        assertTrue(StandIns.modelService.received().isEmpty(), "nothing reached the service");
    }

    @Test
    void aRequestArrivingWhileTheRestOfASliceGoesBackIsAdmitted() throws Exception {
        // leases of 300 ms (200 ms here): the slice's rest goes back, slowly, while the next request arrives
        StandIns.tenantService.answerLeasesWith((r, exchange) -> {
            long want = Json.mapper().readTree(r.bodyPrefix()).path("want").asLong();
            if (want == 0) {
                try {
                    Thread.sleep(600);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            StandInService.respond(
                    exchange,
                    200,
                    "application/json",
                    "{\"epoch\":\"rle_x\",\"granted\":" + want
                            + ",\"available\":1000,\"retryAfterMillis\":0,\"leaseMillis\":300}");
        });
        String tenant = Ids.newId(Ids.TENANT);
        String key = key(tenant, 1_000, 2_000, Scopes.ALL);
        given().header("Authorization", "Bearer " + key)
                .get("/v1/models")
                .then()
                .statusCode(200);
        Thread.sleep(400); // the give-back has started (at 200 ms) and is held for 600 ms
        given().header("Authorization", "Bearer " + key)
                .get("/v1/models")
                .then()
                .statusCode(200)
                .header("RateLimit", matchesPattern(RATE_LIMIT));
    }

    @Test
    void refusalsOnThePredictionProtocolsCarryTheirErrorMember() {
        StandIns.tenantService.answerLeasesWith((r, exchange) -> StandInService.respond(
                exchange,
                200,
                "application/json",
                "{\"epoch\":\"rle_x\",\"granted\":0,\"available\":0,\"retryAfterMillis\":900,\"leaseMillis\":500}"));
        String key = key(Ids.newId(Ids.TENANT), 5, 5, Scopes.ALL);
        quotaExceeded(given().header("Authorization", "Bearer " + key)
                        .contentType("application/json")
                        .body("{\"inputs\":[]}")
                        .post("/v2/models/m/infer")
                        .then())
                .header("Retry-After", "1")
                .body("error", matchesPattern(".*rate limit.*"));
        quotaExceeded(given().header("Authorization", "Bearer " + key)
                        .contentType("application/json")
                        .body("{\"instances\":[1]}")
                        .post("/tfserving/v1/models/m:predict")
                        .then())
                .body("error", matchesPattern(".*rate limit.*"));
    }

    @Test
    void aCallRefusedForItsScopeStillCountsAndCarriesTheHeaders() {
        String tenant = Ids.newId(Ids.TENANT);
        String key = key(tenant, 100, 100, List.of(Scopes.MODELS_READ));
        problem(given().header("Authorization", "Bearer " + key).get("/v1/jobs").then(), 403, "forbidden")
                .header("RateLimit-Policy", "\"default\";q=100;w=1")
                .header("RateLimit", matchesPattern(RATE_LIMIT));
        assertEquals(1, leasesOf(tenant).size());
    }

    @Test
    void withoutTheOwnerNothingIsAdmittedBlind() {
        StandIns.tenantService.answerLeasesWith(
                (r, exchange) -> StandInService.respond(exchange, 500, "application/problem+json", "{\"status\":500}"));
        String key = key(Ids.newId(Ids.TENANT), 5, 5, Scopes.ALL);
        problem(
                        given().header("Authorization", "Bearer " + key)
                                .get("/v1/models")
                                .then(),
                        503,
                        "unavailable")
                .header("Retry-After", matchesPattern("\\d+"))
                .header("RateLimit-Policy", "\"default\";q=5;w=1")
                .header("RateLimit", matchesPattern("\"default\";r=0;t=\\d+"));
        assertTrue(StandIns.modelService.received().isEmpty());
    }

    @Test
    void administratorsAreNotRateLimited() {
        // no API key reaches /admin (401), and that refusal does not lease
        String tenant = Ids.newId(Ids.TENANT);
        given().header("Authorization", "Bearer " + key(tenant, 5, 5, Scopes.ALL))
                .get("/admin/v1/tenants")
                .then()
                .statusCode(401);
        assertTrue(leasesOf(tenant).isEmpty());
    }

    /** The leases that asked for tokens of this tenant (not those that only gave back the rest of a slice). */
    private static List<StandInService.Received> leasesOf(String tenant) {
        return StandIns.tenantService.leases().stream()
                .filter(r -> r.bodyText().contains("\"tenantId\":\"" + tenant + "\""))
                .filter(r -> !r.bodyText().contains("\"want\":0,"))
                .toList();
    }

    private static ValidatableResponse quotaExceeded(ValidatableResponse response) {
        return response.statusCode(429)
                .contentType("application/problem+json")
                .body("type", equalTo(ProblemType.QUOTA_EXCEEDED_TYPE))
                .body("status", equalTo(429))
                .body("requestId", org.hamcrest.Matchers.notNullValue());
    }
}
