package io.aiaas.tenant.messaging;

import static io.aiaas.tenant.testing.Api.as;
import static io.aiaas.tenant.testing.Api.asAdmin;
import static io.aiaas.tenant.testing.Api.createKey;
import static io.aiaas.tenant.testing.Api.createTenant;
import static io.aiaas.tenant.testing.Api.uniqueName;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.aiaas.common.auth.ApiKeys;
import io.aiaas.common.auth.Scopes;
import io.aiaas.common.events.TenantEvent;
import io.aiaas.common.events.Topics;
import io.aiaas.common.json.Json;
import io.aiaas.messaging.KafkaSettings;
import io.aiaas.tenant.repository.TenantEventOutbox;
import io.aiaas.tenant.testing.Tokens;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/** Every change gateways must learn of leaves on {@code aiaas.tenant-events.v1}, with its transaction. */
@QuarkusTest
class TenantEventsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    TenantEventOutbox outbox;

    /** Committed tenant events as they arrived, read from the start of every partition. */
    private record Received(ConsumerRecord<String, byte[]> record, TenantEvent event) {}

    @Test
    void eachChangeYieldsItsEventInOrderForItsTenant() {
        String tenant = createTenant(uniqueName("events"), "free");
        String[] byTenant = createKey(tenant, null);
        String[] byAdmin = createKey(tenant, null);
        as(Tokens.tenant(tenant, List.of(Scopes.KEYS_MANAGE)))
                .header("X-Request-Id", "req-revoke-own")
                .delete("/v1/api-keys/" + byTenant[0])
                .then()
                .statusCode(204);
        // revoking twice changes nothing, and announces nothing
        as(Tokens.tenant(tenant, List.of(Scopes.KEYS_MANAGE)))
                .delete("/v1/api-keys/" + byTenant[0])
                .then()
                .statusCode(204);
        asAdmin()
                .delete("/admin/v1/tenants/" + tenant + "/api-keys/" + byAdmin[0])
                .then()
                .statusCode(204);
        asAdmin().post("/admin/v1/tenants/" + tenant + "/suspend").then().statusCode(200);
        asAdmin().post("/admin/v1/tenants/" + tenant + "/suspend").then().statusCode(200);
        asAdmin().post("/admin/v1/tenants/" + tenant + "/resume").then().statusCode(200);
        asAdmin()
                .body(Map.of("plan", "standard"))
                .patch("/admin/v1/tenants/" + tenant)
                .then()
                .statusCode(200);
        asAdmin()
                .body(Map.of("name", uniqueName("renamed")))
                .patch("/admin/v1/tenants/" + tenant)
                .then()
                .statusCode(200);
        asAdmin().delete("/admin/v1/tenants/" + tenant).then().statusCode(204);

        List<Received> events = awaitEvents(r -> tenant.equals(r.event().tenantId()), 6);
        assertEquals(
                List.of(
                        TenantEvent.TYPE_KEY_REVOKED,
                        TenantEvent.TYPE_KEY_REVOKED,
                        TenantEvent.TYPE_TENANT_SUSPENDED,
                        TenantEvent.TYPE_TENANT_RESUMED,
                        TenantEvent.TYPE_PLAN_CHANGED,
                        TenantEvent.TYPE_TENANT_DELETED),
                events.stream().map(r -> r.event().type()).toList());
        assertEquals(byTenant[0], events.get(0).event().keyId());
        assertEquals("req-revoke-own", header(events.get(0).record(), Topics.HEADER_REQUEST_ID));
        assertEquals(byAdmin[0], events.get(1).event().keyId());
        assertEquals("req-test-admin", header(events.get(1).record(), Topics.HEADER_REQUEST_ID));
        assertEquals("standard", events.get(4).event().plan());
        for (Received r : events) {
            assertEquals(tenant, r.record().key(), "keyed by tenant: one partition, per-tenant order");
            assertEquals(events.get(0).record().partition(), r.record().partition());
            assertNotNull(r.event().eventId());
            assertNotNull(r.event().at());
            assertNotNull(header(r.record(), Topics.HEADER_TRACEPARENT), "the change's trace continues on Kafka");
        }
    }

    @Test
    void aPlansOwnChangeIsAnnouncedOnceAndRaisesItsVersion() {
        String plan = "events-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> limits = new HashMap<>(Map.of(
                "name", plan,
                "requestsPerSecond", 5,
                "burst", 10,
                "concurrentJobs", 1,
                "monthlyComputeUnits", 100,
                "maxRequestBytes", 1024,
                "maxModelBytes", 2048,
                "storageBytes", 4096,
                "maxBatchRows", 10));
        asAdmin().body(limits).post("/admin/v1/plans").then().statusCode(201);
        String tenant = createTenant(uniqueName("on-plan"), plan);
        String key = createKey(tenant, null)[1];
        assertEquals(1, planVersion(key));

        limits.put("burst", 20);
        asAdmin().body(limits).put("/admin/v1/plans/" + plan).then().statusCode(200);
        asAdmin().body(limits).put("/admin/v1/plans/" + plan).then().statusCode(200);
        assertEquals(2, planVersion(key), "the same limits again are no change");

        List<Received> events = awaitEvents(r -> plan.equals(r.event().plan()), 1);
        TenantEvent changed = events.get(0).event();
        assertEquals(TenantEvent.TYPE_PLAN_CHANGED, changed.type());
        assertNull(changed.tenantId(), "a plan's own change concerns every tenant on it");
        assertEquals(plan, events.get(0).record().key());
        // a later change of the same plan arrives after it, and nothing arrived for the unchanged PUT
        limits.put("burst", 30);
        asAdmin().body(limits).put("/admin/v1/plans/" + plan).then().statusCode(200);
        assertEquals(2, awaitEvents(r -> plan.equals(r.event().plan()), 2).size());
        assertEquals(3, planVersion(key));
    }

    @Test
    void aRolledBackChangeYieldsNoEvent() {
        String tenant = createTenant(uniqueName("rollback"), "free");
        assertThrows(IllegalStateException.class, () -> QuarkusTransaction.requiringNew()
                .run(() -> {
                    outbox.keyRevoked(tenant, "key-rolled-back", "req-rollback");
                    throw new IllegalStateException("the change fails after its event was written");
                }));
        QuarkusTransaction.requiringNew().run(() -> outbox.keyRevoked(tenant, "key-committed", "req-commit"));

        // Per-tenant order: once the committed event is in, the rolled-back one would have been before it.
        List<Received> events = awaitEvents(r -> tenant.equals(r.event().tenantId()), 1);
        assertEquals(
                List.of("key-committed"),
                events.stream().map(r -> r.event().keyId()).toList());
    }

    @Test
    void heartbeatsReachEveryPartitionWithAFreshWatermark() {
        List<Received> heartbeats =
                awaitEvents(r -> TenantEvent.TYPE_HEARTBEAT.equals(r.event().type()), 12, false);
        Map<Integer, Instant> latest = new HashMap<>();
        for (Received r : heartbeats) {
            assertNull(r.event().tenantId());
            assertNull(r.record().key());
            latest.merge(r.record().partition(), r.event().at(), (a, b) -> a.isAfter(b) ? a : b);
        }
        assertEquals(3, latest.size(), "every partition of " + Topics.TENANT_EVENTS + ": " + latest.keySet());
        Instant now = Instant.now();
        for (Instant watermark : latest.values()) {
            assertTrue(
                    Duration.between(watermark, now).compareTo(Duration.ofSeconds(5)) < 0,
                    "a recent watermark: " + watermark);
        }
        given().get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("checks.find { it.name == 'usage-consumer' }.data.tenantEventsRelayLeader", equalTo(true));
    }

    private static long planVersion(String key) {
        return as(Tokens.gatewayService())
                .body(Map.of("keyHash", ApiKeys.hash(key)))
                .post("/internal/v1/api-keys/verify")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getLong("plan.version");
    }

    /** Waits until at least {@code count} committed events match, and returns those that do, in arrival order. */
    private static List<Received> awaitEvents(Predicate<Received> matching, int count) {
        return awaitEvents(matching, count, true);
    }

    /** As above, reading from the beginning of the topic or only what arrives from now on. */
    private static List<Received> awaitEvents(Predicate<Received> matching, int count, boolean fromBeginning) {
        KafkaSettings settings =
                new KafkaSettings(ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class));
        List<Received> matched = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(settings.broadcastConsumer("test-" + UUID.randomUUID()))) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.TENANT_EVENTS).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            if (fromBeginning) {
                consumer.seekToBeginning(partitions);
            }
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                collect(consumer.poll(Duration.ofMillis(200)), matching, matched);
                if (matched.size() >= count) {
                    // a little longer: anything that should not be there would show up now
                    collect(consumer.poll(Duration.ofMillis(500)), matching, matched);
                    return matched;
                }
            }
        }
        fail("only " + matched.size() + " of " + count + " events within " + WAIT);
        return matched;
    }

    private static void collect(
            Iterable<ConsumerRecord<String, byte[]>> records, Predicate<Received> matching, List<Received> into) {
        for (ConsumerRecord<String, byte[]> record : records) {
            Received r = new Received(
                    record, Json.read(new String(record.value(), StandardCharsets.UTF_8), TenantEvent.class));
            if (matching.test(r)) {
                into.add(r);
            }
        }
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
