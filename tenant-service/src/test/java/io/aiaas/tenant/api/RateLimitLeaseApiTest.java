package io.aiaas.tenant.api;

import static io.aiaas.tenant.testing.Api.as;
import static io.aiaas.tenant.testing.Api.problem;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.aiaas.common.limits.RateLimitLease;
import io.aiaas.tenant.testing.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The lease endpoint over HTTP: who may call it, what a lease answers, and every malformed body a 400. */
@QuarkusTest
class RateLimitLeaseApiTest {

    private static String lease(String tenant, String rest) {
        return "{\"tenantId\":\"" + tenant + "\",\"replica\":\"gw-1\"" + rest + "}";
    }

    private static io.restassured.response.ValidatableResponse ask(String tenant, String replica) {
        return as(Tokens.gatewayService())
                .contentType("application/json")
                .body("{\"tenantId\":\"" + tenant + "\",\"replica\":\"" + replica
                        + "\",\"requestsPerSecond\":1,\"burst\":1,\"want\":1}")
                .post(RateLimitLease.PATH)
                .then()
                .statusCode(200)
                .body("epoch", notNullValue())
                .body("leaseMillis", greaterThan(0));
    }

    @Test
    void aGatewayLeasesATokenAndAnotherReplicaIsToldWhenTheNextExists() {
        String tenant =
                "ten_lease" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        long start = System.nanoTime();
        // a bucket starts empty when its owner first sees the tenant and fills at the plan's rate (1/s here)
        long granted = 0;
        while (granted == 0 && System.nanoTime() - start < 5_000_000_000L) {
            granted = ask(tenant, "gw-1").extract().jsonPath().getLong("granted");
        }
        assertEquals(1, granted, "the bucket's one token is leased within a few seconds");
        // the next token is a second away: another replica asking now gets none, and the time until it exists
        ask(tenant, "gw-2").body("granted", equalTo(0)).body("retryAfterMillis", greaterThan(0));
    }

    @Test
    void onlyTheGatewaysServiceTokenMayLease() {
        String body = lease("ten_forbiddenlease0001", ",\"requestsPerSecond\":5,\"burst\":5,\"want\":1");
        problem(
                as(Tokens.admin())
                        .contentType("application/json")
                        .body(body)
                        .post(RateLimitLease.PATH)
                        .then(),
                403,
                "forbidden");
        problem(
                as(Tokens.workerService())
                        .contentType("application/json")
                        .body(body)
                        .post(RateLimitLease.PATH)
                        .then(),
                403,
                "forbidden");
        problem(
                as(Tokens.tenant("ten_forbiddenlease0001", List.of("models:read")))
                        .contentType("application/json")
                        .body(body)
                        .post(RateLimitLease.PATH)
                        .then(),
                403,
                "forbidden");
    }

    @Test
    void everyMalformedLeaseIsA400() {
        List<String> bad = List.of(
                "not json",
                "{}",
                "{\"replica\":\"gw-1\",\"requestsPerSecond\":5,\"burst\":5,\"want\":1}", // no tenant
                "{\"tenantId\":\" \",\"replica\":\"gw-1\",\"requestsPerSecond\":5,\"burst\":5,\"want\":1}",
                "{\"tenantId\":\"ten_x\",\"requestsPerSecond\":5,\"burst\":5,\"want\":1}", // no replica
                lease("ten_x", ",\"burst\":5,\"want\":1"), // no rate
                lease("ten_x", ",\"requestsPerSecond\":0,\"burst\":5,\"want\":1"),
                lease("ten_x", ",\"requestsPerSecond\":5,\"want\":1"), // no burst
                lease("ten_x", ",\"requestsPerSecond\":5,\"burst\":0,\"want\":1"),
                lease("ten_x", ",\"requestsPerSecond\":5,\"burst\":5"), // no want
                lease("ten_x", ",\"requestsPerSecond\":5,\"burst\":5,\"want\":-1"),
                lease("ten_x", ",\"requestsPerSecond\":5,\"burst\":5,\"want\":1,\"returned\":-2"),
                lease("ten_x", ",\"requestsPerSecond\":\"five\",\"burst\":5,\"want\":1"));
        for (String body : bad) {
            problem(
                    as(Tokens.gatewayService())
                            .contentType("application/json")
                            .body(body)
                            .post(RateLimitLease.PATH)
                            .then(),
                    400,
                    "invalid-request");
        }
    }
}
