package io.aiaas.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.events.TenantEvent;
import io.aiaas.common.plan.PlanLimits;
import io.aiaas.gateway.client.KeyVerification;
import io.aiaas.gateway.config.GatewayConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The key cache's rules, with a stand-in tenant-service that counts look-ups and clocks the test moves. */
class KeyVerificationCacheTest {
    private static final PlanLimits FREE =
            new PlanLimits("free", 1L, 5, 10, 1, 100_000, 1 << 20, 50 << 20, 200 << 20, 10_000);
    private static final PlanLimits STANDARD =
            new PlanLimits("standard", 1L, 50, 100, 4, 10_000_000, 8 << 20, 500 << 20, 10L << 30, 1_000_000);

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final AtomicLong wallMillis = new AtomicLong(1_700_000_000_000L);

    /** tenant-service: the live keys it knows, and how often it was asked about each hash. */
    private final Map<String, KeyVerification> known = new ConcurrentHashMap<>();

    private final Map<String, AtomicInteger> asked = new ConcurrentHashMap<>();
    /** When set, look-ups stay pending until the test completes them. */
    private volatile List<CompletableFuture<Optional<KeyVerification>>> held;

    private volatile RuntimeException failure;

    private KeyVerificationCache cache(long maxEntries, Duration fallback) {
        return new KeyVerificationCache(
                config(maxEntries, fallback),
                (hash, requestId) -> {
                    asked.computeIfAbsent(hash, h -> new AtomicInteger()).incrementAndGet();
                    if (failure != null) {
                        return CompletableFuture.failedFuture(failure);
                    }
                    Optional<KeyVerification> answer = Optional.ofNullable(known.get(hash));
                    if (held != null) {
                        CompletableFuture<Optional<KeyVerification>> pending = new CompletableFuture<>();
                        held.add(pending);
                        return pending;
                    }
                    return CompletableFuture.completedFuture(answer);
                },
                nanos::get,
                wallMillis::get,
                Runnable::run);
    }

    private KeyVerificationCache cache() {
        return cache(1000, Duration.ofSeconds(1));
    }

    private String live(String hash, String tenant, PlanLimits plan) {
        known.put(hash, new KeyVerification(tenant, "kid-" + hash, List.of("models:read"), null, "active", plan));
        return hash;
    }

    private int asked(String hash) {
        AtomicInteger n = asked.get(hash);
        return n == null ? 0 : n.get();
    }

    private static VerifiedKey verified(KeyVerificationCache cache, String hash) {
        return cache.verify(hash, "req_test").join();
    }

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
        wallMillis.addAndGet(d.toMillis());
    }

    private void heartbeats(KeyVerificationCache cache, int... partitions) {
        for (int p : partitions) {
            cache.heartbeat(p, Instant.ofEpochMilli(wallMillis.get()));
        }
    }

    @Test
    void concurrentRequestsWithOneUncachedKeyShareOneLookUp() {
        KeyVerificationCache cache = cache();
        String key = live("h1", "ten_a", FREE);
        held = new ArrayList<>();
        List<CompletableFuture<VerifiedKey>> waiting = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            waiting.add(cache.verify(key, "req_" + i));
        }
        assertEquals(1, asked(key));
        held.get(0).complete(Optional.of(known.get(key)));
        VerifiedKey first = waiting.get(0).join();
        assertNotNull(first);
        waiting.forEach(f -> assertSame(first, f.join()));
    }

    @Test
    void withoutHeartbeatsAnswersAreAskedAgainAfterOneSecond() {
        KeyVerificationCache cache = cache(1000, Duration.ofMinutes(5)); // configured higher: cut to 1 s
        String key = live("h1", "ten_a", FREE);
        verified(cache, key);
        advance(Duration.ofMillis(999));
        verified(cache, key);
        assertEquals(1, asked(key));
        advance(Duration.ofMillis(1));
        assertNotNull(verified(cache, key));
        assertEquals(2, asked(key));
    }

    @Test
    void freshHeartbeatsOnEveryPartitionKeepAnswersBeyondOneSecond() {
        KeyVerificationCache cache = cache();
        cache.partitionsAssigned(Set.of(0, 1));
        String key = live("h1", "ten_a", FREE);
        verified(cache, key);
        for (int i = 0; i < 10; i++) {
            advance(Duration.ofMillis(500));
            heartbeats(cache, 0, 1);
            verified(cache, key);
        }
        assertEquals(1, asked(key), "5 s of use, one look-up");
        assertTrue(cache.eventsFresh());
    }

    @Test
    void aPartitionWithoutHeartbeatMeansTheOneSecondFallback() {
        KeyVerificationCache cache = cache();
        cache.partitionsAssigned(Set.of(0, 1));
        String key = live("h1", "ten_a", FREE);
        verified(cache, key);
        advance(Duration.ofMillis(1500));
        heartbeats(cache, 0); // partition 1 silent
        verified(cache, key);
        assertEquals(2, asked(key));
    }

    @Test
    void staleHeartbeatsMeanTheOneSecondFallback() {
        KeyVerificationCache cache = cache();
        cache.partitionsAssigned(Set.of(0));
        String key = live("h1", "ten_a", FREE);
        heartbeats(cache, 0);
        verified(cache, key);
        advance(Duration.ofMillis(800)); // watermark now 800 ms old: more than 750 ms
        assertTrue(!cache.eventsFresh());
        verified(cache, key);
        assertEquals(1, asked(key), "younger than 1 s: still used");
        advance(Duration.ofMillis(200));
        verified(cache, key);
        assertEquals(2, asked(key), "1 s old without fresh heartbeats: asked again");
    }

    @Test
    void aRevokedKeyIsRefusedAtOnceByEvent() {
        KeyVerificationCache cache = cache();
        cache.partitionsAssigned(Set.of(0));
        String key = live("h1", "ten_a", FREE);
        String other = live("h2", "ten_a", FREE);
        heartbeats(cache, 0);
        verified(cache, key);
        verified(cache, other);
        known.remove(key); // revoked in tenant-service…
        cache.apply(event(TenantEvent.TYPE_KEY_REVOKED, "ten_a", "kid-h1", null)); // …and its event arrives
        assertNull(verified(cache, key), "refused at once, heartbeats fresh or not");
        assertNotNull(verified(cache, other));
        assertEquals(1, asked(other), "other keys stay cached");
    }

    @Test
    void theHotPathKnowsOnlyKeysVerifiedFreshAndAdmittingHere() {
        KeyVerificationCache cache = cache();
        cache.partitionsAssigned(Set.of(0));
        heartbeats(cache, 0);
        Instant now = Instant.ofEpochMilli(wallMillis.get());
        String key = live("h1", "ten_a", FREE);
        assertNull(cache.knownCaller(key, now), "never verified here: the full path looks it up");
        assertEquals(0, asked(key), "and the hot path itself never asks");
        VerifiedKey first = verified(cache, key);
        assertSame(first.caller(), cache.knownCaller(key, now), "the caller the full path gives");

        held = new ArrayList<>();
        String pending = live("h2", "ten_a", FREE);
        cache.verify(pending, "req_1");
        assertNull(cache.knownCaller(pending, now), "a look-up in flight");
        held = null;

        known.put("h3", new KeyVerification("ten_b", "kid-h3", List.of(), now.plusSeconds(1), "active", FREE));
        verified(cache, "h3");
        assertNotNull(cache.knownCaller("h3", now));
        assertNull(cache.knownCaller("h3", now.plusSeconds(1)), "expired");

        known.put("h4", new KeyVerification("ten_c", "kid-h4", List.of(), null, "suspended", FREE));
        verified(cache, "h4");
        assertNull(cache.knownCaller("h4", now), "suspended: the full path answers 403");

        cache.apply(event(TenantEvent.TYPE_KEY_REVOKED, "ten_a", "kid-h1", null));
        assertNull(cache.knownCaller(key, now), "revoked by event");

        String stale = live("h5", "ten_d", FREE);
        verified(cache, stale);
        advance(Duration.ofSeconds(2)); // no heartbeats: answers older than the fallback are not trusted
        assertNull(cache.knownCaller(stale, Instant.ofEpochMilli(wallMillis.get())), "too old to trust");
    }

    @Test
    void suspensionResumptionAndDeletionDropTheTenantsKeys() {
        for (String type : List.of(
                TenantEvent.TYPE_TENANT_SUSPENDED, TenantEvent.TYPE_TENANT_RESUMED, TenantEvent.TYPE_TENANT_DELETED)) {
            asked.clear();
            KeyVerificationCache cache = cache();
            cache.partitionsAssigned(Set.of(0));
            heartbeats(cache, 0);
            String a1 = live("a1", "ten_a", FREE);
            String a2 = live("a2", "ten_a", FREE);
            String b1 = live("b1", "ten_b", FREE);
            List.of(a1, a2, b1).forEach(k -> verified(cache, k));
            cache.apply(event(type, "ten_a", null, null));
            List.of(a1, a2, b1).forEach(k -> verified(cache, k));
            assertEquals(2, asked(a1), type);
            assertEquals(2, asked(a2), type);
            assertEquals(1, asked(b1), type);
        }
    }

    @Test
    void planChangesDropTheTenantsKeysOrEveryKeyOnThePlan() {
        KeyVerificationCache cache = cache();
        cache.partitionsAssigned(Set.of(0));
        heartbeats(cache, 0);
        String freeA = live("fa", "ten_a", FREE);
        String freeB = live("fb", "ten_b", FREE);
        String standardC = live("sc", "ten_c", STANDARD);
        List.of(freeA, freeB, standardC).forEach(k -> verified(cache, k));

        cache.apply(event(TenantEvent.TYPE_PLAN_CHANGED, "ten_c", null, "free")); // ten_c moved to another plan
        List.of(freeA, freeB, standardC).forEach(k -> verified(cache, k));
        assertEquals(List.of(1, 1, 2), List.of(asked(freeA), asked(freeB), asked(standardC)));

        cache.apply(event(TenantEvent.TYPE_PLAN_CHANGED, null, null, "free")); // the free plan's limits changed
        List.of(freeA, freeB, standardC).forEach(k -> verified(cache, k));
        assertEquals(List.of(2, 2, 2), List.of(asked(freeA), asked(freeB), asked(standardC)));
    }

    @Test
    void madeUpKeysCostOneLookUpEachAndNeverEvictALiveKey() {
        KeyVerificationCache cache = cache(10, Duration.ofSeconds(1));
        cache.partitionsAssigned(Set.of(0));
        List<String> liveKeys = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            liveKeys.add(live("live" + i, "ten_a", FREE)); // the live cache is full
            verified(cache, liveKeys.get(i));
        }
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 10_000; i++) {
                heartbeats(cache, 0);
                assertNull(verified(cache, "made-up-" + i));
            }
        }
        for (int i = 0; i < 10_000; i++) {
            assertEquals(1, asked("made-up-" + i), "one look-up per made-up key");
        }
        for (String key : liveKeys) {
            assertNotNull(verified(cache, key));
            assertEquals(1, asked(key), "still cached after 20,000 refusals");
        }
        assertEquals(10, cache.liveSize());
    }

    @Test
    void unknownKeysAreRememberedBriefly() {
        KeyVerificationCache cache = cache();
        assertNull(verified(cache, "nope"));
        advance(Duration.ofSeconds(9));
        assertNull(verified(cache, "nope"));
        assertEquals(1, asked("nope"));
        advance(Duration.ofSeconds(1));
        assertNull(verified(cache, "nope"));
        assertEquals(2, asked("nope"));
    }

    @Test
    void failuresToAskAreNeverKept() {
        KeyVerificationCache cache = cache();
        String key = live("h1", "ten_a", FREE);
        failure = ApiException.unavailable("down", 2);
        CompletionException e = assertThrows(CompletionException.class, () -> verified(cache, key));
        assertSame(failure, e.getCause());
        failure = null;
        assertNotNull(verified(cache, key));
        assertEquals(2, asked(key));
    }

    @Test
    void aLookUpInFlightWhenAnEventArrivesIsNotKept() {
        KeyVerificationCache cache = cache();
        cache.partitionsAssigned(Set.of(0));
        heartbeats(cache, 0);
        String key = live("h1", "ten_a", FREE);
        held = new ArrayList<>();
        CompletableFuture<VerifiedKey> early = cache.verify(key, "req_1");
        cache.apply(event(TenantEvent.TYPE_TENANT_SUSPENDED, "ten_a", null, null));
        held.get(0).complete(Optional.of(known.get(key))); // the answer predates the suspension
        assertNotNull(early.join(), "the request that asked gets its answer");
        held = null;
        known.put(key, new KeyVerification("ten_a", "kid-h1", List.of(), null, "suspended", FREE));
        assertTrue(verified(cache, key).verification().suspended(), "but it was not kept");
        assertEquals(2, asked(key));
    }

    @Test
    void aNewAssignmentForgetsEverything() {
        KeyVerificationCache cache = cache();
        cache.partitionsAssigned(Set.of(0));
        heartbeats(cache, 0);
        String key = live("h1", "ten_a", FREE);
        verified(cache, key);
        cache.partitionsAssigned(Set.of(0, 1));
        assertTrue(!cache.eventsFresh(), "heartbeats of the new assignment are awaited");
        verified(cache, key);
        assertEquals(2, asked(key));
    }

    private static TenantEvent event(String type, String tenantId, String keyId, String plan) {
        return new TenantEvent("evt_1", type, tenantId, keyId, plan, Instant.now());
    }

    private static GatewayConfig.KeyCache config(long maxEntries, Duration fallback) {
        return new GatewayConfig.KeyCache() {
            @Override
            public long maxEntries() {
                return maxEntries;
            }

            @Override
            public Duration forgetUnusedAfter() {
                return Duration.ofMinutes(10);
            }

            @Override
            public long unknownMaxEntries() {
                return 100_000;
            }

            @Override
            public Duration unknownTtl() {
                return Duration.ofSeconds(10);
            }

            @Override
            public Duration heartbeatMaxAge() {
                return Duration.ofMillis(750);
            }

            @Override
            public Duration fallbackTtl() {
                return fallback;
            }

            @Override
            public Duration refreshAfter() {
                return Duration.ofMinutes(1);
            }
        };
    }
}
