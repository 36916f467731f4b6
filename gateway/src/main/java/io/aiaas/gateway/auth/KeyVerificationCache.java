package io.aiaas.gateway.auth;

import io.aiaas.gateway.client.KeyVerification;
import io.aiaas.gateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Remembers tenant-service's answer for a key hash for at most one second, so a burst of calls with one key costs one
 * look-up while a revocation or suspension still takes effect within a second. Only definite answers (a live key, or
 * no such key) are kept; failures to ask are never cached.
 */
@ApplicationScoped
public class KeyVerificationCache {
    static final Duration MAX_TTL = Duration.ofSeconds(1);

    private record Entry(Optional<KeyVerification> answer, long expiresAtNanos) {}

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final long ttlNanos;
    private final int maxEntries;
    private final LongSupplier nanoClock;

    KeyVerificationCache(Duration ttl, int maxEntries, LongSupplier nanoClock) {
        Duration capped = ttl.compareTo(MAX_TTL) > 0 ? MAX_TTL : ttl;
        this.ttlNanos = Math.max(0, capped.toNanos());
        this.maxEntries = Math.max(1, maxEntries);
        this.nanoClock = nanoClock;
    }

    @Inject
    public KeyVerificationCache(GatewayConfig config) {
        this(config.auth().keyCacheTtl(), config.auth().keyCacheMaxEntries(), System::nanoTime);
    }

    /** The cached answer (itself possibly "no such key"), or null when there is none still fresh. */
    public Optional<KeyVerification> get(String keyHash) {
        Entry entry = entries.get(keyHash);
        if (entry == null) {
            return null;
        }
        if (nanoClock.getAsLong() - entry.expiresAtNanos >= 0) {
            entries.remove(keyHash, entry);
            return null;
        }
        return entry.answer;
    }

    public void put(String keyHash, Optional<KeyVerification> answer) {
        if (ttlNanos == 0) {
            return;
        }
        long now = nanoClock.getAsLong();
        if (entries.size() >= maxEntries) {
            entries.values().removeIf(e -> now - e.expiresAtNanos >= 0);
            if (entries.size() >= maxEntries) {
                entries.clear();
            }
        }
        entries.put(keyHash, new Entry(answer, now + ttlNanos));
    }

    int size() {
        return entries.size();
    }
}
