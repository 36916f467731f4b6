package io.aiaas.gateway;

import static io.aiaas.gateway.support.Problems.problem;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.auth.ApiKeys;
import io.aiaas.common.auth.Scopes;
import io.aiaas.common.error.ProblemType;
import io.aiaas.gateway.support.StandIns;
import io.aiaas.infra.testing.InfraTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.ValidatableResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Repeated failed authentication from one address (every call here comes from 127.0.0.1) is throttled before any
 * look-up, while credentials already known valid pass; against the stand-in tenant-service, which counts look-ups,
 * and a real Keycloak for administrators' tokens.
 */
@QuarkusTest
@TestProfile(AuthThrottleTest.WithThrottle.class)
class AuthThrottleTest {
    static final int MAX_FAILURES = 3;
    /** Long enough for a loaded CI machine to fail and then see the throttle within one window. */
    static final long WINDOW_MILLIS = 4_000;

    /** When the window of the latest failures has surely ended ({@link System#nanoTime()}). */
    private static long windowEndsBy;

    /** The throttle on (the test profile has it off), with a small threshold and a short window. */
    public static class WithThrottle implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "aiaas.gateway.auth-throttle.enabled",
                    "true",
                    "aiaas.gateway.auth-throttle.max-failures",
                    String.valueOf(MAX_FAILURES),
                    "aiaas.gateway.auth-throttle.window",
                    WINDOW_MILLIS + "ms");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(
                    new TestResourceEntry(StandIns.class),
                    new TestResourceEntry(InfraTestResource.class, Map.of(InfraTestResource.KEYCLOAK, "true")));
        }
    }

    private String validKey;

    /** The end of the previous test's window (no test inherits another's failures), then a key verified and in use. */
    @BeforeEach
    void setUp() throws InterruptedException {
        awaitWindowEnd();
        StandIns.resetAnswers();
        validKey = StandIns.registerKey(List.of(Scopes.MODELS_READ, Scopes.PREDICT));
        given().header("Authorization", "Bearer " + validKey)
                .get("/v1/models")
                .then()
                .statusCode(200);
    }

    private static void awaitWindowEnd() throws InterruptedException {
        long left = windowEndsBy - System.nanoTime();
        if (left > 0) {
            Thread.sleep(left / 1_000_000 + 1);
        }
    }

    /** Called once the first failure of a window has been answered: the window began before that. */
    private static void windowBegun() {
        windowEndsBy = System.nanoTime() + (WINDOW_MILLIS + 100) * 1_000_000;
    }

    private static ValidatableResponse withKey(String key) {
        return given().header("Authorization", "Bearer " + key)
                .get("/v1/models")
                .then();
    }

    /** MAX_FAILURES made-up (well-formed) keys: each one look-up and a 401. */
    private static void failRepeatedly() {
        for (int i = 0; i < MAX_FAILURES; i++) {
            problem(withKey(ApiKeys.generate()), 401, "unauthorized");
            if (i == 0) {
                windowBegun();
            }
        }
    }

    private static ValidatableResponse throttled(ValidatableResponse response) {
        return response.statusCode(429)
                .contentType("application/problem+json")
                .header("X-Request-Id", notNullValue())
                .header("Retry-After", notNullValue())
                .body("type", equalTo(ProblemType.QUOTA_EXCEEDED_TYPE))
                .body("status", equalTo(429))
                .body("detail", containsString("Too many failed authentications from this address"))
                .body("requestId", notNullValue());
    }

    @Test
    void repeatedBadKeysAreThrottledWithoutAskingTenantService() {
        int before = StandIns.VERIFY_CALLS.get();
        int forwarded = StandIns.modelService.received().size();
        failRepeatedly();
        assertEquals(MAX_FAILURES, StandIns.VERIFY_CALLS.get() - before, "each failure cost one look-up");

        String another = ApiKeys.generate();
        String retryAfter = throttled(withKey(another)).extract().header("Retry-After");
        int seconds = Integer.parseInt(retryAfter);
        assertTrue(seconds >= 1 && seconds <= WINDOW_MILLIS / 1000, "Retry-After " + seconds);
        throttled(given().header("X-API-Key", ApiKeys.generate())
                .get("/v1/models")
                .then());
        throttled(withKey("aiaas_not-a-key")).body(not(containsString("aiaas_not-a-key")));
        // The prediction protocols' clients read "error".
        throttled(given().header("Authorization", "Bearer " + another)
                        .get("/v2/models/m")
                        .then())
                .body("error", containsString("Too many failed authentications"));
        assertEquals(0, StandIns.verifyCalls(another), "throttled attempts are never looked up");
        assertEquals(MAX_FAILURES, StandIns.VERIFY_CALLS.get() - before);
        assertEquals(forwarded, StandIns.modelService.received().size(), "nothing reached a service");

        // An unknown administrator's token is refused before quarkus-oidc would check it.
        throttled(given().header("Authorization", "Bearer not.a.token")
                .get("/admin/v1/tenants")
                .then());
        // Without credentials nothing is guessed: the usual 401, neither throttled nor counted.
        problem(given().get("/v1/models").then(), 401, "unauthorized").header("Retry-After", nullValue());
        assertTrue(StandIns.tenantService.received().stream()
                .noneMatch(r -> r.path().startsWith("/admin")));
    }

    @Test
    void aKeyAlreadyVerifiedIsNotSlowedOnAThrottledAddress() {
        failRepeatedly();
        throttled(withKey(ApiKeys.generate()));

        for (int i = 0; i < 5; i++) {
            withKey(validKey).statusCode(200).header("Retry-After", nullValue());
            assertEquals("/v1/models", StandIns.modelService.last().path(), "answered by the stand-in");
        }
        given().header("X-API-Key", validKey).get("/v1/models").then().statusCode(200);
        given().header("Authorization", "Bearer " + validKey)
                .get("/v2/models/m")
                .then()
                .statusCode(not(equalTo(429)));
        throttled(withKey(ApiKeys.generate())); // and the address is still throttled for the rest
    }

    @Test
    void afterTheWindowABadKeyIsAnsweredAndLookedUpAgain() throws InterruptedException {
        failRepeatedly();
        String retryAfter = throttled(withKey(ApiKeys.generate())).extract().header("Retry-After");
        assertTrue(Integer.parseInt(retryAfter) <= WINDOW_MILLIS / 1000, retryAfter);
        Thread.sleep(Integer.parseInt(retryAfter) * 1_000L); // what a client is told to do, and enough

        String bad = ApiKeys.generate();
        problem(withKey(bad), 401, "unauthorized").header("Retry-After", nullValue());
        assertEquals(1, StandIns.verifyCalls(bad), "looked up again");
    }

    @Test
    void anAdministratorsVerifiedTokenIsNotSlowedButFailedTokensCount() {
        String admin = InfraTestResource.keycloak().passwordGrant("admin", "admin");
        given().header("Authorization", "Bearer " + admin)
                .get("/admin/v1/tenants")
                .then()
                .statusCode(200);

        String forged = admin.substring(0, admin.lastIndexOf('.') + 1) + "AAAA";
        for (int i = 0; i < MAX_FAILURES; i++) {
            problem(
                    given().header("Authorization", "Bearer " + forged)
                            .get("/admin/v1/tenants")
                            .then(),
                    401,
                    "unauthorized");
            if (i == 0) {
                windowBegun();
            }
        }
        throttled(given().header("Authorization", "Bearer " + forged)
                        .get("/admin/v1/tenants")
                        .then())
                .body(not(containsString(forged)));
        throttled(withKey(ApiKeys.generate()));

        given().header("Authorization", "Bearer " + admin)
                .get("/admin/v1/tenants")
                .then()
                .statusCode(200)
                .header("Retry-After", nullValue());
        assertEquals("/admin/v1/tenants", StandIns.tenantService.last().path());
    }
}
