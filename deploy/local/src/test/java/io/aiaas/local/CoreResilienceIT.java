package io.aiaas.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.id.Ids;
import io.aiaas.infra.PostgresServer;
import io.aiaas.local.ServiceProcess.Service;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The core under trouble, end to end on the packaged platform: a revocation or a suspension reaches two gateway
 * replicas within a second through tenant events, and a stopped database is a 503 with {@code Retry-After} for a
 * tenant whose key the gateway still holds, and all is well once it is back.
 */
@ExtendWith(SharedPlatform.class)
class CoreResilienceIT {
    private static final Duration PROMISE = Duration.ofSeconds(1);

    static PlatformRuntime platform;
    static PlatformClient api;
    static String admin;

    @BeforeAll
    static void connect() throws Exception {
        platform = SharedPlatform.platform();
        api = SharedPlatform.api();
        admin = SharedPlatform.adminToken();
    }

    private record Tenant(String id, String key, String keyId) {}

    private static Tenant newTenantWithKey() throws Exception {
        String name = "it-core-" + Ids.randomBase62(8).toLowerCase(Locale.ROOT);
        var tenant = api.postJson("/admin/v1/tenants", admin, Map.of("name", name, "plan", "standard"));
        assertEquals(201, tenant.status(), tenant::toString);
        String id = tenant.json().path("id").asText();
        return newKey(id);
    }

    private static Tenant newKey(String tenantId) throws Exception {
        var key = api.postJson("/admin/v1/tenants/" + tenantId + "/api-keys", admin, Map.of("name", "it"));
        assertEquals(201, key.status(), key::toString);
        return new Tenant(
                tenantId,
                key.json().path("key").asText(),
                key.json().path("keyId").asText());
    }

    /** Waits until the replica trusts its key cache through tenant-event heartbeats (its readiness says so). */
    private static void awaitEventsTrusted(String baseUrl) throws Exception {
        PlatformClient replica = new PlatformClient(baseUrl);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            var ready = replica.get("/q/health/ready", null);
            if (ready.body().contains("trusted by tenant-event heartbeats")) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "the gateway at " + baseUrl + " never trusted events: " + ready);
            Thread.sleep(100);
        }
    }

    /** Polls until {@code key} gets {@code status} from the replica; the time it took. */
    private static Duration untilStatus(PlatformClient replica, String key, int status, long since) throws Exception {
        while (true) {
            int got = replica.get("/v1/models", key).status();
            Duration took = Duration.ofNanos(System.nanoTime() - since);
            if (got == status) {
                return took;
            }
            assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, "still " + got + " after " + took);
            Thread.sleep(10);
        }
    }

    @Test
    void revocationAndSuspensionReachTwoGatewayReplicasWithinOneSecond() throws Exception {
        try (ServiceProcess second = platform.startReplica(Service.GATEWAY)) {
            List<PlatformClient> replicas = List.of(api, new PlatformClient(second.url()));
            awaitEventsTrusted(platform.gatewayUrl());
            awaitEventsTrusted(second.url());
            Tenant revoked = newTenantWithKey();
            Tenant kept = newKey(revoked.id());
            for (PlatformClient replica : replicas) {
                assertEquals(200, replica.get("/v1/models", revoked.key()).status());
                assertEquals(200, replica.get("/v1/models", kept.key()).status());
            }
            // Older than the 1 s fallback: trusted entries are only refused now because an event says so.
            Thread.sleep(1_500);

            var revocation = api.delete("/admin/v1/tenants/" + revoked.id() + "/api-keys/" + revoked.keyId(), admin);
            long revokedAt = System.nanoTime();
            assertEquals(204, revocation.status(), revocation::toString);
            for (PlatformClient replica : replicas) {
                Duration took = untilStatus(replica, revoked.key(), 401, revokedAt);
                System.out.printf("%s reached %s in %d ms%n", "revocation", replica, took.toMillis());
                assertTrue(took.compareTo(PROMISE) <= 0, "revocation took " + took);
                assertEquals(200, replica.get("/v1/models", kept.key()).status(), "only the revoked key stops");
            }

            var suspension = api.postJson("/admin/v1/tenants/" + kept.id() + "/suspend", admin, Map.of());
            long suspendedAt = System.nanoTime();
            assertEquals(200, suspension.status(), suspension::toString);
            for (PlatformClient replica : replicas) {
                Duration took = untilStatus(replica, kept.key(), 403, suspendedAt);
                System.out.printf("%s reached %s in %d ms%n", "suspension", replica, took.toMillis());
                assertTrue(took.compareTo(PROMISE) <= 0, "suspension took " + took);
                JsonNode problem = replica.get("/v1/models", kept.key()).json();
                assertTrue(problem.path("type").asText().endsWith("tenant-suspended"), problem.toString());
            }

            var resumption = api.postJson("/admin/v1/tenants/" + kept.id() + "/resume", admin, Map.of());
            long resumedAt = System.nanoTime();
            assertEquals(200, resumption.status(), resumption::toString);
            for (PlatformClient replica : replicas) {
                Duration took = untilStatus(replica, kept.key(), 200, resumedAt);
                System.out.printf("%s reached %s in %d ms%n", "resumption", replica, took.toMillis());
                assertTrue(took.compareTo(PROMISE) <= 0, "resumption took " + took);
            }
        }
    }

    @Test
    void aStoppedDatabaseIsA503ForACachedKeyAndAllIsWellOnceItIsBack() throws Exception {
        Tenant tenant = newTenantWithKey();
        assertEquals(
                201,
                api.postJson("/v1/models", tenant.key(), Map.of("name", "outage"))
                        .status());
        assertEquals(200, api.get("/v1/models/outage", tenant.key()).status());

        PostgresServer postgres = platform.postgres().orElseThrow();
        postgres.stop();
        try {
            for (String path : List.of("/v1/models/outage", "/v1/jobs", "/v1/usage")) {
                var reply = api.get(path, tenant.key());
                assertEquals(503, reply.status(), path + ": " + reply);
                assertTrue(reply.contentType().startsWith("application/problem+json"), reply.contentType());
                assertTrue(reply.json().path("type").asText().endsWith("/problems/unavailable"), reply.body());
                assertNotNull(reply.header("Retry-After"), path + " without Retry-After");
                assertTrue(!reply.body().contains("SQL") && !reply.body().contains("Exception"), reply.body());
            }
        } finally {
            postgres.startAgain();
        }
        assertEquals(200, api.get("/v1/models/outage", tenant.key()).status(), "no restart, no second failure");
        assertEquals(200, api.get("/v1/usage", tenant.key()).status());
        for (Service service : Service.values()) {
            platform.service(service).awaitReady(Duration.ofSeconds(60));
        }
    }
}
