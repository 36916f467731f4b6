package io.aiaas.model.api;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.aiaas.infra.PostgresServer;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.model.support.ApiTestSupport;
import io.aiaas.model.support.InternalKeysTestResource;
import io.aiaas.model.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
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
import org.junit.jupiter.api.Test;

/** Honest failures: an unreachable database is a 503 to retry, and racing writes end in one winner and 409s. */
@QuarkusTest
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = {@ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "kafka", value = "true")})
@QuarkusTestResource(InternalKeysTestResource.class)
class FailureApiTest extends ApiTestSupport {

    @Test
    void aStoppedDatabaseIsA503UntilItIsBack() {
        String tenant = newTenant();
        createModel(tenant, "outage");
        PostgresServer postgres = InfraTestResource.postgres();
        postgres.stop();
        try {
            unavailable(as(Tokens.tenant(tenant)).get("/v1/models/outage").then());
            unavailable(as(Tokens.tenant(tenant)).get("/v1/jobs").then());
            // a write is refused the same way, never as a conflict or a 500
            unavailable(as(Tokens.tenant(tenant))
                    .contentType("application/json")
                    .body(Map.of("name", "during-outage"))
                    .post("/v1/models")
                    .then());
        } finally {
            postgres.startAgain();
        }
        // the service recovers by itself, at once: no restart, and no broken pooled connection lent out
        as(Tokens.tenant(tenant)).get("/v1/models/outage").then().statusCode(200);
        as(Tokens.tenant(tenant)).get("/v1/models/during-outage").then().statusCode(404);
        createModel(tenant, "during-outage");
    }

    @Test
    void concurrentCreatesOfOneNameMakeOneModel() throws Exception {
        String tenant = newTenant();
        int clients = 6;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                statuses.add(pool.submit(() -> {
                    start.await();
                    return as(Tokens.tenant(tenant))
                            .contentType("application/json")
                            .body(Map.of("name", "racer"))
                            .post("/v1/models")
                            .then()
                            .extract()
                            .statusCode();
                }));
            }
            start.countDown();
            List<Integer> answers = new ArrayList<>();
            for (Future<Integer> status : statuses) {
                answers.add(status.get(60, TimeUnit.SECONDS));
            }
            assertEquals(1, answers.stream().filter(s -> s == 201).count(), "one create wins: " + answers);
            assertEquals(clients - 1, answers.stream().filter(s -> s == 409).count(), "the rest conflict: " + answers);
        } finally {
            pool.shutdownNow();
        }
        as(Tokens.tenant(tenant)).get("/v1/models").then().body("items.name", equalTo(List.of("racer")));
    }

    private static void unavailable(ValidatableResponse response) {
        response.statusCode(503)
                .contentType("application/problem+json")
                .header("Retry-After", "5")
                .body("type", equalTo("/problems/unavailable"))
                .body("status", equalTo(503))
                .body("requestId", org.hamcrest.Matchers.notNullValue())
                .body("detail", not(containsString("SQL")))
                .body("detail", not(containsString("Exception")));
    }
}
