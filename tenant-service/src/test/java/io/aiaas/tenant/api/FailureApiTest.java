package io.aiaas.tenant.api;

import static io.aiaas.tenant.testing.Api.as;
import static io.aiaas.tenant.testing.Api.asAdmin;
import static io.aiaas.tenant.testing.Api.createTenant;
import static io.aiaas.tenant.testing.Api.problem;
import static io.aiaas.tenant.testing.Api.uniqueName;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.auth.Scopes;
import io.aiaas.infra.PostgresServer;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.tenant.testing.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Honest failures: an unreachable database is a 503 to retry, and racing creates end in one winner and 409s. */
@QuarkusTest
class FailureApiTest {

    @Test
    void aStoppedDatabaseIsA503UntilItIsBack() throws Exception {
        String tenant = createTenant(uniqueName("outage"), "free");
        String usageToken = Tokens.tenant(tenant, List.of(Scopes.USAGE_READ, Scopes.KEYS_MANAGE));
        PostgresServer postgres = InfraTestResource.postgres();
        postgres.stop();
        try {
            unavailable(asAdmin().get("/admin/v1/tenants/" + tenant).then());
            // the usage report reads with plain JDBC: the same answer
            unavailable(as(usageToken).get("/v1/usage").then());
            // a write is refused the same way, never as a conflict or a 500
            unavailable(asAdmin()
                    .body(Map.of("name", uniqueName("during-outage"), "plan", "free"))
                    .post("/admin/v1/tenants")
                    .then());
            unavailable(as(usageToken)
                    .body(Map.of("name", "k"))
                    .post("/v1/api-keys")
                    .then());
        } finally {
            postgres.startAgain();
        }
        // the service recovers by itself, at once: no restart, and no broken pooled connection lent out
        int status =
                asAdmin().get("/admin/v1/tenants/" + tenant).then().extract().statusCode();
        assertEquals(200, status, "tenant-service reaches its database again");
        as(usageToken).get("/v1/usage").then().statusCode(200);
    }

    @Test
    void concurrentCreatesOfOneNameMakeOneTenantAndOnePlan() throws Exception {
        String tenantName = uniqueName("racer");
        assertOneWinner(() -> asAdmin()
                .body(Map.of("name", tenantName, "plan", "free"))
                .post("/admin/v1/tenants")
                .then()
                .extract()
                .statusCode());
        String planName = uniqueName("plan");
        Map<String, Object> plan = Map.of(
                "name", planName,
                "requestsPerSecond", 1,
                "burst", 1,
                "concurrentJobs", 1,
                "monthlyComputeUnits", 1,
                "maxRequestBytes", 1024,
                "maxModelBytes", 1024,
                "storageBytes", 1024,
                "maxBatchRows", 1);
        assertOneWinner(() ->
                asAdmin().body(plan).post("/admin/v1/plans").then().extract().statusCode());
    }

    private static void assertOneWinner(Supplier<Integer> create) throws Exception {
        int clients = 6;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                statuses.add(pool.submit(() -> {
                    start.await();
                    return create.get();
                }));
            }
            start.countDown();
            List<Integer> answers = new ArrayList<>();
            for (Future<Integer> status : statuses) {
                answers.add(status.get(60, TimeUnit.SECONDS));
            }
            assertEquals(1, answers.stream().filter(s -> s == 201).count(), "one create wins: " + answers);
            assertTrue(answers.stream().allMatch(s -> s == 201 || s == 409), "the rest conflict: " + answers);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void unavailable(ValidatableResponse response) {
        problem(response, 503, "unavailable")
                .header("Retry-After", "5")
                .body("detail", not(containsString("SQL")))
                .body("detail", not(containsString("Exception")));
    }
}
