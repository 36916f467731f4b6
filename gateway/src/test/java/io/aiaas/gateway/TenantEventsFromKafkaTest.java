package io.aiaas.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.auth.ApiKeys;
import io.aiaas.common.auth.Scopes;
import io.aiaas.common.events.TenantEvent;
import io.aiaas.common.events.Topics;
import io.aiaas.common.json.Json;
import io.aiaas.gateway.auth.KeyVerificationCache;
import io.aiaas.gateway.support.StandIns;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.messaging.KafkaSettings;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway reads {@code aiaas.tenant-events.v1} from a real broker: while heartbeats flow it trusts its cached keys
 * (no look-up however old the entry), a revocation event takes effect at once, and when heartbeats stop it falls back
 * to asking again after a second. The stand-in tenant-service is told of the revocation too, but only the event can
 * make the gateway notice it: heartbeats keep the cached entry trusted.
 */
@QuarkusTest
@TestProfile(TenantEventsFromKafkaTest.WithTenantEvents.class)
class TenantEventsFromKafkaTest {

    /** Tenant events on, with a real broker for this class only. */
    public static class WithTenantEvents implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("aiaas.gateway.tenant-events.enabled", "true");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(
                    new TestResourceEntry(StandIns.class),
                    new TestResourceEntry(InfraTestResource.class, Map.of("kafka", "true")));
        }
    }

    @TestHTTPResource("/")
    URI gateway;

    @Inject
    KeyVerificationCache cache;

    private KafkaProducer<String, String> producer;
    private ScheduledExecutorService heartbeats;
    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void connect() {
        StandIns.resetAnswers();
        producer = new KafkaProducer<>(new KafkaSettings(InfraTestResource.kafkaBootstrap()).producer("test-events"));
    }

    @AfterEach
    void close() throws InterruptedException {
        stopHeartbeats();
        producer.close(Duration.ofSeconds(5));
    }

    /** What tenant-service's outbox relay does: a heartbeat to every partition, watermark "now", every 100 ms. */
    private void heartbeatsFlow() {
        int partitions = producer.partitionsFor(Topics.TENANT_EVENTS).size();
        heartbeats = Executors.newSingleThreadScheduledExecutor();
        heartbeats.scheduleAtFixedRate(
                () -> {
                    for (int p = 0; p < partitions; p++) {
                        TenantEvent beat =
                                new TenantEvent(null, TenantEvent.TYPE_HEARTBEAT, null, null, null, Instant.now());
                        producer.send(new ProducerRecord<>(Topics.TENANT_EVENTS, p, null, Json.write(beat)));
                    }
                },
                0,
                100,
                TimeUnit.MILLISECONDS);
    }

    private void stopHeartbeats() throws InterruptedException {
        if (heartbeats != null) {
            heartbeats.shutdownNow();
            heartbeats.awaitTermination(5, TimeUnit.SECONDS);
            heartbeats = null;
        }
    }

    private int get(String key) throws Exception {
        return http.send(
                        HttpRequest.newBuilder(gateway.resolve("/v1/models"))
                                .header("Authorization", "Bearer " + key)
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private void awaitTrust(boolean trusted) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (cache.eventsFresh() != trusted) {
            assertTrue(System.nanoTime() < deadline, "the key cache's trust never became " + trusted);
            Thread.sleep(20);
        }
    }

    @Test
    void aRevocationEventTakesEffectAtOnceWhileHeartbeatsKeepCachedKeysTrusted() throws Exception {
        heartbeatsFlow();
        awaitTrust(true);
        String key = StandIns.registerKey(List.of(Scopes.MODELS_READ));
        assertEquals(200, get(key));
        assertEquals(1, StandIns.verifyCalls(key));

        // tenant-service forgets the key, but says nothing yet: the trusted entry keeps serving, without a look-up
        StandIns.revoke(key);
        Thread.sleep(1_500);
        assertEquals(200, get(key));
        assertEquals(1, StandIns.verifyCalls(key), "a trusted entry is not asked again, however old");

        TenantEvent revoked = new TenantEvent(
                "evt-test-1", TenantEvent.TYPE_KEY_REVOKED, StandIns.TENANT, ApiKeys.keyId(key), null, Instant.now());
        long sent = System.nanoTime();
        producer.send(new ProducerRecord<>(Topics.TENANT_EVENTS, StandIns.TENANT, Json.write(revoked)))
                .get(5, TimeUnit.SECONDS);
        while (get(key) != 401) {
            assertTrue(System.nanoTime() - sent < Duration.ofSeconds(1).toNanos(), "revocation not applied within 1 s");
            Thread.sleep(10);
        }
    }

    @Test
    void withoutHeartbeatsCachedKeysAreAskedAgainAfterOneSecond() throws Exception {
        awaitTrust(false);
        String key = StandIns.registerKey(List.of(Scopes.MODELS_READ));
        assertEquals(200, get(key));
        assertEquals(200, get(key));
        assertEquals(1, StandIns.verifyCalls(key));
        Thread.sleep(1_100);
        assertEquals(200, get(key));
        assertEquals(2, StandIns.verifyCalls(key), "stale heartbeats: an entry older than 1 s is asked again");
    }
}
