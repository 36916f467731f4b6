package io.aiaas.gateway;

import static io.aiaas.gateway.support.Problems.problem;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.aiaas.common.auth.ApiKeys;
import io.aiaas.common.auth.Scopes;
import io.aiaas.common.events.TenantEvent;
import io.aiaas.common.json.Json;
import io.aiaas.gateway.messaging.TenantEventsListener;
import io.aiaas.gateway.support.StandIns;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The key cache under attack traffic and its freshness rule, against a stand-in tenant-service that counts look-ups.
 * The gateway's live cache holds 1,000 keys here, so made-up keys would evict live ones if they ever entered it.
 */
@QuarkusTest
@QuarkusTestResource(StandIns.class)
class KeyCacheAttackTest {

    @TestHTTPResource("/")
    URI gateway;

    @Inject
    TenantEventsListener tenantEvents;

    private ScheduledExecutorService heartbeats;

    @BeforeEach
    void reset() {
        StandIns.resetAnswers();
    }

    @AfterEach
    void stopHeartbeats() throws InterruptedException {
        if (heartbeats != null) {
            heartbeats.shutdownNow();
            heartbeats.awaitTermination(5, TimeUnit.SECONDS);
            heartbeats = null;
        }
        tenantEvents.partitionsAssigned(Set.of()); // no partitions, no trust: the 1 s fallback for other tests
    }

    /** What tenant-service's outbox relay does: a heartbeat per partition, watermark "now", every 100 ms. */
    private void heartbeatsFlow() {
        tenantEvents.partitionsAssigned(Set.of(0, 1, 2));
        heartbeats = Executors.newSingleThreadScheduledExecutor();
        heartbeats.scheduleAtFixedRate(
                () -> {
                    for (int p = 0; p < 3; p++) {
                        tenantEvents.received(p, Json.write(heartbeat()));
                    }
                },
                0,
                100,
                TimeUnit.MILLISECONDS);
    }

    private static TenantEvent heartbeat() {
        return new TenantEvent(null, TenantEvent.TYPE_HEARTBEAT, null, null, null, Instant.now());
    }

    private int get(HttpClient client, String key) throws Exception {
        return client.send(
                        HttpRequest.newBuilder(gateway.resolve("/v1/models"))
                                .header("Authorization", "Bearer " + key)
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    @Test
    void tenThousandMadeUpKeysCostOneLookUpEachAndNeverEvictALiveKey() throws Exception {
        heartbeatsFlow();
        String live = StandIns.registerKey(List.of(Scopes.MODELS_READ));
        HttpClient client =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        assertEquals(200, get(client, live));
        assertEquals(1, StandIns.verifyCalls(live));

        List<String> madeUp = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            madeUp.add(ApiKeys.generate()); // well-formed, checksum and all: only tenant-service can tell
        }
        int before = StandIns.VERIFY_CALLS.get();
        ExecutorService attackers = Executors.newFixedThreadPool(16);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (String key : madeUp) {
                answers.add(attackers.submit(() -> get(client, key)));
            }
            for (Future<Integer> answer : answers) {
                assertEquals(401, answer.get(60, TimeUnit.SECONDS));
            }
            // again, at once: they are remembered as unknown
            answers.clear();
            for (String key : madeUp.subList(0, 2_000)) {
                answers.add(attackers.submit(() -> get(client, key)));
            }
            for (Future<Integer> answer : answers) {
                assertEquals(401, answer.get(60, TimeUnit.SECONDS));
            }
        } finally {
            attackers.shutdownNow();
        }
        assertEquals(10_000, StandIns.VERIFY_CALLS.get() - before, "one look-up per made-up key, none repeated");
        for (String key : madeUp) {
            assertEquals(1, StandIns.verifyCalls(key));
        }
        assertEquals(200, get(client, live));
        assertEquals(1, StandIns.verifyCalls(live), "the live key was never evicted nor asked again");
    }

    @Test
    void oneUncachedKeyUnderConcurrencyCostsOneLookUp() throws Exception {
        String key = StandIns.registerKey(List.of(Scopes.MODELS_READ));
        StandIns.tenantService.answerWith((r, exchange) -> {
            if (r.path().endsWith("/verify")) {
                try {
                    Thread.sleep(300); // every request arrives while the first look-up is in flight
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            StandIns.tenantServiceDefault(r, exchange);
        });
        HttpClient client =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        ExecutorService callers = Executors.newFixedThreadPool(100);
        try {
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                answers.add(callers.submit(() -> client.send(
                        HttpRequest.newBuilder(gateway.resolve("/v1/models"))
                                .header("Authorization", "Bearer " + key)
                                .build(),
                        HttpResponse.BodyHandlers.ofString())));
            }
            for (Future<HttpResponse<String>> answer : answers) {
                HttpResponse<String> response = answer.get(30, TimeUnit.SECONDS);
                assertEquals(200, response.statusCode(), response::body);
            }
        } finally {
            callers.shutdownNow();
        }
        assertEquals(1, StandIns.verifyCalls(key));
    }

    /**
     * With heartbeats flowing, a cached key is trusted beyond one second (a revocation whose event never came goes
     * unnoticed, which is why heartbeats exist), and the event of a revocation takes effect at once.
     */
    @Test
    void aRevocationEventTakesEffectAtOnce() throws Exception {
        heartbeatsFlow();
        String key = StandIns.registerKey(List.of(Scopes.MODELS_READ));
        HttpClient client = HttpClient.newBuilder().build();
        assertEquals(200, get(client, key));
        StandIns.revoke(key);
        Thread.sleep(1_500);
        assertEquals(200, get(client, key), "trusted by heartbeats: no look-up");
        assertEquals(1, StandIns.verifyCalls(key));

        tenantEvents.received(
                1,
                Json.write(new TenantEvent(
                        "evt_1",
                        TenantEvent.TYPE_KEY_REVOKED,
                        StandIns.TENANT,
                        ApiKeys.keyId(key),
                        null,
                        Instant.now())));
        problem(
                given().header("Authorization", "Bearer " + key)
                        .get("/v1/models")
                        .then(),
                401,
                "unauthorized");
    }

    @Test
    void staleHeartbeatsFallBackToOneSecond() throws Exception {
        heartbeatsFlow();
        String key = StandIns.registerKey(List.of(Scopes.MODELS_READ));
        HttpClient client = HttpClient.newBuilder().build();
        assertEquals(200, get(client, key));
        heartbeats.shutdownNow(); // tenant-service falls silent
        StandIns.revoke(key); // and its event is lost
        Thread.sleep(Duration.ofMillis(1_100).toMillis());
        assertEquals(401, get(client, key), "the watermark went stale, so the 1 s fallback applied");
        assertEquals(2, StandIns.verifyCalls(key));
        given().get("/q/health/ready")
                .then()
                .statusCode(200)
                .body(
                        "checks.find { it.name == 'gateway' }.data.key-cache",
                        org.hamcrest.Matchers.equalTo("1 s fallback"));
    }
}
