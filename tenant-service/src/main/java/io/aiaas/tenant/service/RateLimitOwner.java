package io.aiaas.tenant.service;

import io.aiaas.common.id.Ids;
import io.aiaas.tenant.config.TenantConfig;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The one owner of every tenant's request bucket ({@code requestsPerSecond}, {@code burst}). Gateway replicas lease
 * slices of a bucket and spend them locally, so no request waits on a database or on this service unless its replica
 * has run dry. The rule that keeps the limit exact across replicas: tokens granted to a replica stay counted against
 * the bucket until its lease ends or it asks again (a replica spends a token only before its lease ends, and stops
 * spending a lease before it asks for the next), and the bucket never holds more than {@code burst} minus those
 * outstanding tokens. So at any moment the tokens that can still be spent anywhere
 * are at most {@code burst}, and they grow by {@code requestsPerSecond} per second: no interleaving of replicas admits
 * more than {@code burst + rate × elapsed}.
 *
 * <p>State lives in memory only, by design: a database write per lease would put a round trip back on the hot path.
 * A restarted owner has a new {@link #epoch()}; its buckets start empty at its start (so tokens granted by the
 * previous owner and still being spent cannot be added to a full new bucket), and returns of the old epoch's tokens
 * are ignored. A lost owner therefore costs at most {@code burst / rate} seconds of lower admission, never
 * over-admission. Written here rather than taken from a library: the rate-limit libraries at hand (Bucket4j,
 * resilience4j) keep a bucket per process or per database row, neither of which leases to replicas.
 */
@ApplicationScoped
@Startup // its start is when every bucket was empty: it must be this service's start, not the first lease
public class RateLimitOwner {

    /** What one lease call answers. */
    public record Lease(String epoch, long granted, long available, long retryAfterMillis, long leaseMillis) {}

    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final LongSupplier clock;
    private final long leaseNanos;
    private final long startNanos;
    private final String epoch;
    private volatile long nextSweep;

    @Inject
    public RateLimitOwner(TenantConfig config) {
        this(config.rateLimit().lease(), System::nanoTime);
    }

    RateLimitOwner(Duration lease, LongSupplier clock) {
        this.clock = clock;
        this.leaseNanos = lease.toNanos();
        this.startNanos = clock.getAsLong();
        this.nextSweep = startNanos + SWEEP_NANOS;
        this.epoch = Ids.newId("rle");
    }

    private static final long SWEEP_NANOS = Duration.ofMinutes(1).toNanos();

    /** Identifies this owner's lifetime: leases of another epoch cannot be returned here. */
    public String epoch() {
        return epoch;
    }

    /**
     * Grants up to {@code want} tokens of {@code tenantId}'s bucket to {@code replica} for one lease. The call ends
     * the replica's previous lease of this bucket: a replica asks only once it no longer spends from that lease, and
     * gives back its unspent tokens as {@code returned}, credited when that lease has not ended here and
     * {@code returnedEpoch} is this owner's ({@code want} 0 only gives back). The first {@code immediate} tokens
     * granted are spent as the answer arrives (requests already waiting for them) and hold no room in the bucket;
     * only the rest, kept for later requests, counts as the replica's lease.
     *
     * @param rate tokens per second (the plan's {@code requestsPerSecond}), at least 1
     * @param burst the bucket's size (the plan's {@code burst}), at least 1
     */
    public Lease lease(
            String tenantId,
            String replica,
            int rate,
            int burst,
            long want,
            long immediate,
            long returned,
            String returnedEpoch) {
        long now = clock.getAsLong();
        sweepIfDue(now);
        int r = Math.max(1, rate);
        int b = Math.max(1, burst);
        Bucket bucket = buckets.computeIfAbsent(tenantId, id -> new Bucket());
        synchronized (bucket) {
            bucket.refill(now, r, b);
            long[] previous = bucket.leases.remove(replica);
            // Only tokens of a lease that has not ended here come back: an ended lease's tokens already left the
            // bucket's count, and crediting them again would add tokens the rate never made.
            if (returned > 0 && epoch.equals(returnedEpoch) && previous != null) {
                long credit = Math.min(returned, previous[1]);
                bucket.tokens = Math.min(b - bucket.outstanding(), bucket.tokens + credit);
            }
            long granted = Math.max(0, Math.min(want, (long) Math.floor(bucket.tokens)));
            if (granted > 0) {
                bucket.tokens -= granted;
                long kept = granted - Math.min(granted, Math.max(0, immediate));
                if (kept > 0) {
                    bucket.leases.put(replica, new long[] {now + leaseNanos, kept});
                }
            }
            long retryAfter = granted < want ? bucket.millisUntilToken(now, r, b) : 0;
            return new Lease(epoch, granted, (long) Math.floor(bucket.tokens), retryAfter, leaseNanos / 1_000_000);
        }
    }

    /** Buckets of tenants gone quiet are dropped once they would be full again: a new one is the same bucket. */
    private void sweepIfDue(long now) {
        if (now - nextSweep < 0) {
            return;
        }
        nextSweep = now + SWEEP_NANOS;
        buckets.values().removeIf(bucket -> {
            synchronized (bucket) {
                // only looks: letting leases go without bringing the bucket up to date would let it fill while they
                // still held room
                return now - bucket.fullAt > 0
                        && bucket.leases.values().stream().allMatch(l -> now - l[0] >= 0);
            }
        });
    }

    private final class Bucket {
        double tokens;
        long updated = startNanos;
        /** Per replica, its current lease: {end, tokens}. Until it ends, its tokens count against the bucket. */
        final Map<String, long[]> leases = new HashMap<>(4);
        /** When the bucket is full at the latest if nothing more is granted. */
        long fullAt;

        // Starts empty as of this owner's start: a previous owner's tokens may still be spent (see class comment).
        Bucket() {
            this.tokens = 0;
        }

        long outstanding() {
            long sum = 0;
            for (long[] lease : leases.values()) {
                sum += lease[1];
            }
            return sum;
        }

        /**
         * Brings the bucket to {@code now}: it fills at {@code rate} but never above {@code burst} minus the leases
         * in force at each moment, so leases that ended in between are let go in order, each after the time it held
         * room (tokens made while the bucket had no room are lost, as in any full bucket).
         */
        void refill(long now, int rate, int burst) {
            while (true) {
                long[] first = null;
                for (long[] lease : leases.values()) {
                    if (now - lease[0] >= 0 && (first == null || lease[0] - first[0] < 0)) {
                        first = lease;
                    }
                }
                if (first == null) {
                    break;
                }
                advance(first[0], rate, burst);
                long[] ended = first;
                leases.values().removeIf(lease -> lease == ended);
            }
            advance(now, rate, burst);
            fullAt = now + (long) Math.ceil(Math.max(0, burst - tokens) / rate * 1e9) + leaseNanos;
        }

        private void advance(long to, int rate, int burst) {
            if (to - updated > 0) {
                tokens = Math.min(burst - outstanding(), tokens + (to - updated) / 1e9 * rate);
                updated = to;
            }
        }

        long millisUntilToken(long now, int rate, int burst) {
            if (tokens >= 1) {
                return 0;
            }
            long byRate = (long) Math.ceil((1 - tokens) / rate * 1000);
            if (burst - outstanding() >= 1 || leases.isEmpty()) {
                return Math.max(1, byRate);
            }
            // the bucket's room is held by other replicas' leases: it frees when the first ends
            long firstEnd = Long.MAX_VALUE;
            for (long[] lease : leases.values()) {
                firstEnd = Math.min(firstEnd, lease[0] - now);
            }
            return Math.max(1, Math.max(byRate, (firstEnd + 999_999) / 1_000_000));
        }
    }
}
