package io.aiaas.tenant.api;

import static io.aiaas.tenant.testing.Api.allOf;
import static io.aiaas.tenant.testing.Api.as;
import static io.aiaas.tenant.testing.Api.asAdmin;
import static io.aiaas.tenant.testing.Api.createKey;
import static io.aiaas.tenant.testing.Api.createTenant;
import static io.aiaas.tenant.testing.Api.problem;
import static io.aiaas.tenant.testing.Api.uniqueName;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.aiaas.common.auth.Scopes;
import io.aiaas.tenant.testing.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code Idempotency-Key} on tenant-service's creating POSTs (CONTRACT "Idempotency"): tenants and plans honour it; API
 * keys ignore it (a replay would show the secret again) and answer with {@code Location}.
 */
@QuarkusTest
class IdempotencyApiTest {
    private static final String KEY = "Idempotency-Key";
    private static final int CLIENTS = 8;

    // --- tenants

    @Test
    void aRepeatedTenantCreationAnswersTheFirstAnswerAndCreatesOneTenant() {
        String name = uniqueName("idem");
        String key = uniqueName("key");
        var first = postTenant(key, Map.of("name", name, "plan", "free"))
                .statusCode(201)
                .extract();
        var again = postTenant(key, Map.of("name", name, "plan", "free"))
                .statusCode(201)
                .extract();
        assertSameAnswer(first, again);
        assertEquals("/admin/v1/tenants/" + first.path("id"), again.header("Location"));
        assertEquals(1, Collections.frequency(tenantNames(), name));
    }

    @Test
    void theSameKeyWithAnotherTenantIsAConflictAndCreatesNothing() {
        String name = uniqueName("idem");
        String other = uniqueName("other");
        String key = uniqueName("key");
        postTenant(key, Map.of("name", name, "plan", "free")).statusCode(201);
        problem(postTenant(key, Map.of("name", other, "plan", "free")), 409, "conflict");
        problem(postTenant(key, Map.of("name", name, "plan", "standard")), 409, "conflict");
        // another path under the same key is another request
        problem(createPlan(key, plan(uniqueName("plan"))), 409, "conflict");
        List<String> names = tenantNames();
        assertEquals(1, Collections.frequency(names, name));
        assertEquals(0, Collections.frequency(names, other));
    }

    @Test
    void aRefusedTenantKeepsNoKeySoACorrectedOneMayUseIt() {
        String name = uniqueName("idem");
        String key = uniqueName("key");
        problem(postTenant(key, Map.of("name", name, "plan", "platinum")), 422, "unprocessable");
        postTenant(key, Map.of("name", name, "plan", "free")).statusCode(201);
        postTenant(key, Map.of("name", name, "plan", "free")).statusCode(201);
        assertEquals(1, Collections.frequency(tenantNames(), name));
    }

    @Test
    void withoutAKeyEveryRequestIsCarriedOut() {
        String name = uniqueName("plain");
        postTenant(null, Map.of("name", name, "plan", "free")).statusCode(201);
        problem(postTenant(null, Map.of("name", name, "plan", "free")), 409, "conflict");
    }

    @Test
    void aMalformedKeyIsABadRequest() {
        problem(
                postTenant("x".repeat(256), Map.of("name", uniqueName("long"), "plan", "free")),
                400,
                "invalid-request");
    }

    @Test
    void concurrentCreationsWithOneKeyMakeOneTenant() throws Exception {
        String name = uniqueName("raced");
        String key = uniqueName("race");
        List<ExtractableResponse<Response>> answers =
                concurrently(() -> postTenant(key, Map.of("name", name, "plan", "free"))
                        .statusCode(201)
                        .extract());
        for (var answer : answers) {
            assertSameAnswer(answers.get(0), answer);
        }
        assertEquals(1, Collections.frequency(tenantNames(), name));
    }

    // --- plans

    @Test
    void aRepeatedPlanCreationAnswersTheFirstAnswerAndAnotherPlanIsAConflict() {
        String name = uniqueName("plan");
        String key = uniqueName("key");
        var first = createPlan(key, plan(name)).statusCode(201).extract();
        var again = createPlan(key, plan(name)).statusCode(201).extract();
        assertSameAnswer(first, again);
        assertEquals("/admin/v1/plans/" + name, again.header("Location"));
        Map<String, Object> changed = new HashMap<>(plan(name));
        changed.put("burst", 99);
        problem(createPlan(key, changed), 409, "conflict");
        asAdmin().get("/admin/v1/plans/" + name).then().statusCode(200).body("burst", equalTo(14));
        String other = uniqueName("plan");
        problem(createPlan(key, plan(other)), 409, "conflict");
        problem(asAdmin().get("/admin/v1/plans/" + other).then(), 404, "not-found");
    }

    @Test
    void aRefusedPlanKeepsNoKey() {
        String name = uniqueName("plan");
        String key = uniqueName("key");
        Map<String, Object> bad = new HashMap<>(plan(name));
        bad.put("burst", 0);
        problem(createPlan(key, bad), 422, "unprocessable");
        createPlan(key, plan(name)).statusCode(201);
    }

    @Test
    void concurrentCreationsWithOneKeyMakeOnePlan() throws Exception {
        String name = uniqueName("plan");
        String key = uniqueName("race");
        List<ExtractableResponse<Response>> answers =
                concurrently(() -> createPlan(key, plan(name)).statusCode(201).extract());
        for (var answer : answers) {
            assertSameAnswer(answers.get(0), answer);
        }
        assertEquals(1, Collections.frequency(allOf(Tokens.admin(), "/admin/v1/plans", "name"), name));
    }

    // --- API keys: never idempotent

    @Test
    void aTenantsKeyCreationIgnoresTheKeyAndSaysWhereTheKeyIs() {
        String tenant = createTenant(uniqueName("keys"), "free");
        String token = Tokens.tenant(tenant, createKey(tenant, null)[0], Scopes.ALL);
        String key = uniqueName("key");
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            var created = as(token)
                    .header(KEY, key)
                    .body(Map.of("name", "ci"))
                    .post("/v1/api-keys")
                    .then()
                    .statusCode(201)
                    .extract();
            String keyId = created.path("keyId");
            assertEquals("/v1/api-keys/" + keyId, created.header("Location"));
            as(token)
                    .get(created.header("Location"))
                    .then()
                    .statusCode(200)
                    .body("keyId", equalTo(keyId))
                    .body("$", not(hasKey("key")));
            made.add(keyId);
        }
        assertNotEquals(made.get(0), made.get(1));
        // another tenant's key is unknown
        String other = createTenant(uniqueName("other"), "free");
        problem(
                as(Tokens.tenant(other, createKey(other, null)[0], Scopes.ALL))
                        .get("/v1/api-keys/" + made.get(0))
                        .then(),
                404,
                "not-found");
    }

    @Test
    void anAdministratorsKeyCreationIgnoresTheKeyAndSaysWhereTheKeyIs() {
        String tenant = createTenant(uniqueName("keys"), "free");
        String key = uniqueName("key");
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            var created = asAdmin()
                    .header(KEY, key)
                    .body(Map.of("name", "ops"))
                    .post("/admin/v1/tenants/" + tenant + "/api-keys")
                    .then()
                    .statusCode(201)
                    .extract();
            String keyId = created.path("keyId");
            assertEquals("/admin/v1/tenants/" + tenant + "/api-keys/" + keyId, created.header("Location"));
            asAdmin()
                    .get(created.header("Location"))
                    .then()
                    .statusCode(200)
                    .body("keyId", equalTo(keyId))
                    .body("$", not(hasKey("key")));
            made.add(keyId);
        }
        assertNotEquals(made.get(0), made.get(1));
        asAdmin().get("/admin/v1/tenants/" + tenant + "/api-keys").then().body("items.size()", equalTo(2));
    }

    // --- steps

    private static ValidatableResponse postTenant(String key, Map<String, Object> body) {
        return withKey(asAdmin(), key).body(body).post("/admin/v1/tenants").then();
    }

    private static ValidatableResponse createPlan(String key, Map<String, Object> body) {
        return withKey(asAdmin(), key).body(body).post("/admin/v1/plans").then();
    }

    private static RequestSpecification withKey(RequestSpecification spec, String key) {
        return key == null ? spec : spec.header(KEY, key);
    }

    private static Map<String, Object> plan(String name) {
        return Map.of(
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
    }

    private static List<String> tenantNames() {
        return allOf(Tokens.admin(), "/admin/v1/tenants", "name");
    }

    /** A replay: the first answer's status, body and {@code Location}, as sent. */
    private static void assertSameAnswer(ExtractableResponse<Response> first, ExtractableResponse<Response> again) {
        assertEquals(first.statusCode(), again.statusCode());
        assertEquals(first.header("Location"), again.header("Location"));
        assertEquals(first.asString(), again.asString());
    }

    /** {@link #CLIENTS} calls at once; their answers. */
    private static <T> List<T> concurrently(Callable<T> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return call.call();
                }));
            }
            start.countDown();
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                out.add(f.get(120, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
