package io.aiaas.gateway.auth;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The heartbeats seen on {@code aiaas.tenant-events.v1}: per partition, the latest watermark T (every event committed
 * before T has been published to that partition, and so applied here before its heartbeat was). Cached verifications
 * may be trusted while every partition's watermark is recent.
 */
final class TenantEventWatermarks {
    private final long maxAgeMillis;
    private final LongSupplier wallClockMillis;
    private final Map<Integer, Long> byPartition = new ConcurrentHashMap<>();
    private volatile Set<Integer> partitions = Set.of();
    /** The oldest watermark over all partitions; {@link Long#MIN_VALUE} while any partition has none. */
    private volatile long oldest = Long.MIN_VALUE;

    TenantEventWatermarks(Duration maxAge, LongSupplier wallClockMillis) {
        this.maxAgeMillis = maxAge.toMillis();
        this.wallClockMillis = wallClockMillis;
    }

    /** The partitions this replica reads changed: no watermark is known until each has sent a heartbeat again. */
    synchronized void assigned(Set<Integer> assigned) {
        partitions = Set.copyOf(assigned);
        byPartition.clear();
        oldest = Long.MIN_VALUE;
    }

    synchronized void heartbeat(int partition, Instant watermark) {
        if (!partitions.contains(partition)) {
            return;
        }
        byPartition.merge(partition, watermark.toEpochMilli(), Math::max);
        long min = Long.MAX_VALUE;
        for (Integer p : partitions) {
            Long w = byPartition.get(p);
            if (w == null) {
                min = Long.MIN_VALUE;
                break;
            }
            min = Math.min(min, w);
        }
        oldest = partitions.isEmpty() ? Long.MIN_VALUE : min;
    }

    /** Whether every partition's latest watermark is at most the configured age: the hot path, so one read. */
    boolean fresh() {
        long o = oldest;
        return o != Long.MIN_VALUE && wallClockMillis.getAsLong() - o <= maxAgeMillis;
    }
}
