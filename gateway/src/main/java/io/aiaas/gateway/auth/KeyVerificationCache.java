package io.aiaas.gateway.auth;

import com.github.benmanes.caffeine.cache.AsyncCacheLoader;
import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.aiaas.common.events.TenantEvent;
import io.aiaas.common.id.Ids;
import io.aiaas.gateway.client.KeyVerification;
import io.aiaas.gateway.client.TenantServiceClient;
import io.aiaas.gateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * tenant-service's answers for key hashes (and for tenant owners' tokens, under {@link TenantOwnerTokens#cacheKey}),
 * kept so that a key in use costs no look-up, fit for attack traffic:
 *
 * <ul>
 *   <li>live keys sit in a bounded cache; unknown keys are remembered briefly in a separate bounded one, so any number
 *       of made-up keys costs at most one look-up each per {@code unknown-ttl} and never evicts a live key;
 *   <li>concurrent requests with one uncached key share one look-up (the pending load has no weight, so it evicts
 *       nothing either); failures to ask are never kept;
 *   <li>freshness (the 1 s revocation promise): an entry is used while every partition of {@code aiaas.tenant-events.v1}
 *       has sent a recent heartbeat, since every revocation, suspension or plan change committed before it has been
 *       applied here ({@link #apply}); otherwise entries older than {@code fallback-ttl} (≤ 1 s) are asked again.
 * </ul>
 */
@ApplicationScoped
public class KeyVerificationCache {
    private static final Logger LOG = Logger.getLogger(KeyVerificationCache.class);
    static final Duration MAX_FALLBACK_TTL = Duration.ofSeconds(1);

    /** Asks tenant-service: the key hash and the request id of the asking request. */
    public interface Lookup extends BiFunction<String, String, CompletionStage<Optional<KeyVerification>>> {}

    private final Lookup lookup;
    private final LongSupplier nanoClock;
    private final long fallbackTtlNanos;
    private final TenantEventWatermarks watermarks;
    private final AsyncLoadingCache<String, VerifiedKey> live;
    private final Cache<String, Boolean> unknown;

    KeyVerificationCache(
            GatewayConfig.KeyCache config,
            Lookup lookup,
            LongSupplier nanoClock,
            LongSupplier wallClockMillis,
            Executor executor) {
        this.lookup = lookup;
        this.nanoClock = nanoClock;
        Duration fallback =
                config.fallbackTtl().compareTo(MAX_FALLBACK_TTL) > 0 ? MAX_FALLBACK_TTL : config.fallbackTtl();
        this.fallbackTtlNanos = Math.max(0, fallback.toNanos());
        this.watermarks = new TenantEventWatermarks(config.heartbeatMaxAge(), wallClockMillis);
        Ticker ticker = nanoClock::getAsLong;
        this.live = Caffeine.newBuilder()
                // Weighed rather than counted: Caffeine gives a pending load no weight, so a burst of look-ups
                // of made-up keys never pushes a live key out while they are in flight.
                .maximumWeight(config.maxEntries())
                .weigher((String hash, VerifiedKey key) -> 1)
                .refreshAfterWrite(config.refreshAfter())
                .expireAfterAccess(config.forgetUnusedAfter())
                .ticker(ticker)
                .executor(executor)
                .buildAsync(new Loader());
        this.unknown = Caffeine.newBuilder()
                .maximumSize(config.unknownMaxEntries())
                .expireAfterWrite(config.unknownTtl())
                .ticker(ticker)
                .executor(executor)
                .build();
    }

    @Inject
    public KeyVerificationCache(GatewayConfig config, TenantServiceClient tenantService) {
        this(
                config.keyCache(),
                (key, requestId) -> TenantOwnerTokens.isOwnerKey(key)
                        ? tenantService.verifyOwner(
                                TenantOwnerTokens.tenantOf(key), TenantOwnerTokens.subjectOf(key), requestId)
                        : tenantService.verify(key, requestId),
                System::nanoTime,
                System::currentTimeMillis,
                Runnable::run);
    }

    /**
     * The live key with this hash, or null when tenant-service knows none; fails with the look-up's failure
     * ({@link io.aiaas.common.error.ApiException} 503) when tenant-service cannot answer.
     */
    public CompletableFuture<VerifiedKey> verify(String keyHash, String requestId) {
        CompletableFuture<VerifiedKey> cached = live.getIfPresent(keyHash);
        if (cached != null) {
            if (!cached.isDone() || cached.isCompletedExceptionally()) {
                return cached; // a look-up in flight, shared
            }
            VerifiedKey key = cached.join();
            if (key == null || usable(key)) {
                return cached;
            }
            // Too old to trust: one new look-up, shared by everyone who finds it gone.
            live.asMap().remove(keyHash, cached);
        } else if (unknown.getIfPresent(keyHash) != null) {
            return CompletableFuture.completedFuture(null);
        }
        return live.get(keyHash, (hash, executor) -> load(hash, requestId));
    }

    /**
     * Whether a verification of this key hash is in hand and says live and unexpired: no look-up, no waiting. What
     * {@link FailedAuthThrottle} calls a key known valid; {@link #verify} still decides what the request gets.
     */
    public boolean holdsValid(String keyHash, Instant now) {
        CompletableFuture<VerifiedKey> cached = live.getIfPresent(keyHash);
        if (cached == null || !cached.isDone() || cached.isCompletedExceptionally()) {
            return false;
        }
        VerifiedKey key = cached.getNow(null);
        return key != null && !key.verification().expiredAt(now);
    }

    /**
     * The caller of this key hash when a verification is in hand that {@link #verify} would hand out as it is (fresh)
     * and that admits it (unexpired, tenant active): no look-up, no waiting. Null otherwise, for the full path.
     */
    Caller.Tenant knownCaller(String keyHash, Instant now) {
        CompletableFuture<VerifiedKey> cached = live.getIfPresent(keyHash);
        if (cached == null || !cached.isDone() || cached.isCompletedExceptionally()) {
            return null;
        }
        VerifiedKey key = cached.getNow(null);
        if (key == null
                || !usable(key)
                || key.verification().expiredAt(now)
                || key.verification().suspended()) {
            return null;
        }
        return key.caller();
    }

    private boolean usable(VerifiedKey key) {
        return nanoClock.getAsLong() - key.loadedAtNanos() < fallbackTtlNanos || watermarks.fresh();
    }

    private CompletableFuture<VerifiedKey> load(String keyHash, String requestId) {
        return lookup.apply(keyHash, requestId)
                .thenApply(answer -> {
                    if (answer.isEmpty()) {
                        unknown.put(keyHash, Boolean.TRUE);
                        return null; // Caffeine keeps no entry for null
                    }
                    return VerifiedKey.of(answer.get(), nanoClock.getAsLong());
                })
                .toCompletableFuture();
    }

    /** Background refresh ({@code refresh-after}) of a key in use; the old answer serves meanwhile. */
    private final class Loader implements AsyncCacheLoader<String, VerifiedKey> {
        @Override
        public CompletableFuture<VerifiedKey> asyncLoad(String keyHash, Executor executor) {
            return load(keyHash, Ids.newId(Ids.REQUEST));
        }
    }

    /**
     * Applies an event of {@code aiaas.tenant-events.v1} at once: the next request with an affected key asks
     * tenant-service again. Look-ups in flight are dropped too, since their answer may predate the event.
     */
    public void apply(TenantEvent event) {
        Predicate<KeyVerification> affected =
                switch (Objects.requireNonNullElse(event.type(), "")) {
                    case TenantEvent.TYPE_KEY_REVOKED -> v -> v.keyId().equals(event.keyId())
                            && (event.tenantId() == null || v.tenantId().equals(event.tenantId()));
                    case TenantEvent.TYPE_TENANT_SUSPENDED,
                            TenantEvent.TYPE_TENANT_RESUMED,
                            TenantEvent.TYPE_TENANT_DELETED -> v -> v.tenantId().equals(event.tenantId());
                    case TenantEvent.TYPE_PLAN_CHANGED -> event.tenantId() != null
                            ? v -> v.tenantId().equals(event.tenantId())
                            : v -> v.plan() != null && Objects.equals(v.plan().name(), event.plan());
                    default -> null;
                };
        if (affected == null) {
            return; // heartbeats and types this gateway does not know
        }
        int dropped = dropWhere(affected);
        LOG.debugf("tenant event %s %s: %d cached key(s) dropped", event.type(), event.eventId(), dropped);
    }

    /** A heartbeat of {@code partition} with watermark {@code at}. */
    public void heartbeat(int partition, Instant at) {
        watermarks.heartbeat(partition, at);
    }

    /**
     * The partitions of {@code aiaas.tenant-events.v1} this replica reads, on every (re)assignment. Events may have
     * been missed meanwhile, so every cached key is asked again and heartbeats are awaited afresh.
     */
    public void partitionsAssigned(Set<Integer> partitions) {
        watermarks.assigned(partitions);
        live.synchronous().invalidateAll();
    }

    /** Whether cached keys are currently trusted by heartbeat (else the ≤ 1 s fallback holds). */
    public boolean eventsFresh() {
        return watermarks.fresh();
    }

    private int dropWhere(Predicate<KeyVerification> affected) {
        int dropped = 0;
        for (Map.Entry<String, CompletableFuture<VerifiedKey>> e : live.asMap().entrySet()) {
            CompletableFuture<VerifiedKey> future = e.getValue();
            VerifiedKey key = future.isDone() && !future.isCompletedExceptionally() ? future.getNow(null) : null;
            if ((!future.isDone() || (key != null && affected.test(key.verification())))
                    && live.asMap().remove(e.getKey(), future)) {
                dropped++;
            }
        }
        return dropped;
    }

    long liveSize() {
        return live.synchronous().estimatedSize();
    }
}
