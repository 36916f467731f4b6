package io.aiaas.gateway.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.ProblemType;
import io.aiaas.common.id.Ids;
import io.aiaas.common.plan.PlanLimits;
import io.aiaas.gateway.client.ComputeBlockClient;
import io.aiaas.gateway.client.ComputeReservations;
import io.aiaas.gateway.config.GatewayConfig;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * A tenant's {@code monthlyComputeUnits} for online predictions, exact across gateway replicas: tenant-service's
 * ledger grants each replica blocks of units (reservations that count against the month like a job's), and a
 * prediction is admitted only when it can take one unit — the least any answered prediction costs — from its tenant's
 * block here, in memory, so the hot path makes no call. When the block runs low (a quarter of {@code block-units}
 * left, or near the end of its usable half) the replica reserves the next one in the background while predictions keep
 * taking from the current one, and moves to the next when the current is spent: a prediction waits for tenant-service
 * only when both are spent — then once for all the predictions waiting at that moment. Holding two blocks is still
 * exact: the ledger grants each only what fits the month. A refusal (the month is used up) leaves the current block in
 * use until it is spent, and is remembered for a moment, so a client hammering a tenant at its quota costs no calls
 * either; a renewal tenant-service could not answer is tried again at a take after {@link #RENEWAL_PAUSE}.
 *
 * <p>Each prediction's usage event names its block and lowers it at tenant-service by the units billed, so that
 * {@code used + reserved} never counts a prediction twice; a prediction billed more than one unit takes the rest from
 * the block here after its reply ({@link #charge}), one not billed gives its unit back ({@link #refund}). What can
 * overspend the quota is only that excess of predictions in flight when the block has no units left for it.
 *
 * <p>A block is taken from only in the first half of its TTL (the usage events of its last predictions then still
 * find it), and its unspent units go back to tenant-service when it has been idle a while or at that half-time; so do
 * those of a next block never used. A replica that dies leaves its blocks to expire at tenant-service.
 */
@ApplicationScoped
public class ComputeUnitBlocks {
    private static final Logger LOG = Logger.getLogger(ComputeUnitBlocks.class);

    /** Units taken from a block when a prediction is admitted (the least an answered prediction is billed). */
    static final long ADMISSION_UNITS = 1;

    /** What a prediction took: its block's reservation id, which its usage event names; null when not counted. */
    public record Taken(String reservationId) {
        static final Taken UNCOUNTED = new Taken(null);
    }

    /** How long renewing ahead waits after tenant-service could not answer (predictions still ask when out of units). */
    static final Duration RENEWAL_PAUSE = Duration.ofMillis(500);

    private static final long ONE_SECOND = 1_000_000_000L;

    /** This process among the gateway replicas: its blocks' ids start with it. */
    private final String replica = Ids.newId("gw");

    private final AtomicLong sequence = new AtomicLong();
    private final ComputeReservations client;
    private final Vertx vertx;
    private final boolean enabled;
    private final long blockUnits;
    private final long blockUnitsMax;
    private final Duration blockTtl;
    private final long usableNanos;
    private final long idleNanos;
    private final long refusalNanos;
    private final LongSupplier clock;
    private final Cache<String, Block> blocks;

    @Inject
    public ComputeUnitBlocks(GatewayConfig config, ComputeReservations client, Vertx vertx) {
        this(config.computeQuota(), client, vertx, System::nanoTime);
    }

    ComputeUnitBlocks(GatewayConfig.ComputeQuota config, ComputeReservations client, Vertx vertx, LongSupplier clock) {
        this.client = client;
        this.vertx = vertx;
        this.enabled = config.enabled();
        this.blockUnits = Math.max(1, config.blockUnits());
        this.blockUnitsMax = Math.max(blockUnits, config.blockUnitsMax());
        this.blockTtl = config.blockTtl();
        this.usableNanos = config.blockTtl().toNanos() / 2;
        this.idleNanos = config.idleRelease().toNanos();
        this.refusalNanos = config.refusalMemory().toNanos();
        this.clock = clock;
        this.blocks = Caffeine.newBuilder()
                .expireAfterAccess(Duration.ofMinutes(10))
                .maximumSize(100_000)
                .build();
    }

    public boolean enabled() {
        return enabled;
    }

    /**
     * Takes a unit of the tenant's compute for one prediction: at once from the block held here, or once a new block
     * is granted. Fails with a 429 {@code quota-exceeded} (the month is used up) or a 503 (tenant-service cannot say).
     * A tenant without plan limits, or with the check off, is not counted.
     */
    public CompletionStage<Taken> take(String tenantId, PlanLimits plan) {
        if (!enabled || plan == null) {
            return CompletableFuture.completedFuture(Taken.UNCOUNTED);
        }
        return blocks.get(tenantId, Block::new).take();
    }

    /** A prediction billed {@code units}: what it cost beyond the unit it took comes off its tenant's block too. */
    public void charge(String tenantId, Taken taken, long units) {
        if (taken.reservationId() == null || units <= ADMISSION_UNITS) {
            return;
        }
        Block block = blocks.getIfPresent(tenantId);
        if (block != null) {
            block.spend(taken.reservationId(), units - ADMISSION_UNITS);
        }
    }

    /** A prediction that was not billed after all (refused, timed out, abandoned): its unit goes back to its block. */
    public void refund(String tenantId, Taken taken) {
        if (taken.reservationId() == null) {
            return;
        }
        Block block = blocks.getIfPresent(tenantId);
        if (block != null) {
            block.refund(taken.reservationId());
        }
    }

    /** A reservation held here: its unspent units, taken from until {@code usableUntil}. Guarded by its Block. */
    private static final class Slot {
        final String id;
        final long usableUntil;
        /** A quarter of the block: at this many units left the next block is reserved. */
        final long lowWater;

        long units;

        Slot(String id, long units, long usableUntil) {
            this.id = id;
            this.units = units;
            this.usableUntil = usableUntil;
            this.lowWater = Math.max(1, units / 4);
        }
    }

    /** Units a block gives back to tenant-service. */
    private record Leftover(String id, long units) {}

    /**
     * A tenant's units on this replica: the block taken from ({@code current}) and at most one more ({@code next}),
     * reserved in the background once the current one runs low, so that no prediction waits while the month has room.
     */
    private final class Block {
        private final String tenantId;
        // all guarded by this
        private Slot current;
        private Slot next;
        private long lastUsed;
        private long refusedUntil;
        private ApiException refusal;
        private long refusedAt;
        private boolean asking;
        private long renewAfter;
        // takes counted in one-second buckets: the size of the next block follows them
        private long bucketStart;
        private long bucketTakes;
        private long previousBucketTakes;
        private final List<CompletableFuture<Taken>> waiting = new ArrayList<>();

        Block(String tenantId) {
            this.tenantId = tenantId;
            this.renewAfter = clock.getAsLong();
            this.bucketStart = renewAfter;
        }

        CompletionStage<Taken> take() {
            long now = clock.getAsLong();
            CompletableFuture<Taken> waiter = null;
            ApiException refused = null;
            String ask = null;
            List<Leftover> gone = new ArrayList<>(1);
            String took;
            synchronized (this) {
                took = takeUnit(now, gone);
                if (took != null) {
                    ask = renewalDue(now) ? startAsking() : null;
                } else if (!asking && refusal != null && now - refusedUntil < 0) {
                    refused = remembered(now);
                } else {
                    waiter = new CompletableFuture<>();
                    waiting.add(waiter);
                    if (!asking) {
                        ask = startAsking();
                    }
                }
            }
            giveBack(gone);
            if (ask != null) {
                reserve(ask);
            }
            if (took != null) {
                return CompletableFuture.completedFuture(new Taken(took));
            }
            return refused != null ? CompletableFuture.failedFuture(refused) : waiter;
        }

        /**
         * One unit from the current block, moving to the next one when the current is spent or past its usable half
         * (whose unspent units are added to {@code gone}); null when this replica holds none.
         */
        private String takeUnit(long now, List<Leftover> gone) {
            while (current != null) {
                boolean usable = now - current.usableUntil < 0;
                if (usable && current.units >= ADMISSION_UNITS) {
                    current.units -= ADMISSION_UNITS;
                    lastUsed = now;
                    counted(now);
                    return current.id;
                }
                if (usable && next == null) {
                    return null; // spent but kept: a unit refunded by one of its predictions is taken again
                }
                if (!usable && current.units > 0) {
                    gone.add(new Leftover(current.id, current.units)); // past its usable half: what is left goes back
                }
                current = next;
                next = null;
            }
            return null;
        }

        /** The current block is low (or near the end of its usable half) and nothing stops reserving the next. */
        private boolean renewalDue(long now) {
            if (asking || next != null || current == null || now - renewAfter < 0) {
                return false;
            }
            if (refusal != null && now - refusedUntil < 0) {
                return false; // the month is spent: what is left of the current block is all there is
            }
            return current.units <= current.lowWater || current.usableUntil - now <= usableNanos / 4;
        }

        private void counted(long now) {
            long elapsed = now - bucketStart;
            if (elapsed >= ONE_SECOND) {
                previousBucketTakes = elapsed < 2 * ONE_SECOND ? bucketTakes : 0;
                bucketTakes = 0;
                bucketStart = now;
            }
            bucketTakes++;
        }

        /** Units taken here in about the last one to two seconds. */
        private long recentTakes(long now) {
            long elapsed = now - bucketStart;
            if (elapsed >= 2 * ONE_SECOND) {
                return 0;
            }
            return elapsed >= ONE_SECOND ? bucketTakes : previousBucketTakes + bucketTakes;
        }

        private String startAsking() {
            asking = true;
            return nextId();
        }

        private void reserve(String id) {
            long want;
            long sent = clock.getAsLong();
            synchronized (this) {
                // an idle tenant's block is block-units; a busy one's about its last two seconds, up to the max
                long sized = Math.min(blockUnitsMax, Math.max(blockUnits, recentTakes(sent)));
                want = Math.max(sized, waiting.size() * ADMISSION_UNITS);
            }
            client.reserve(tenantId, id, want, blockTtl)
                    .whenComplete((block, failure) -> answered(id, want, sent, block, failure));
        }

        private void answered(String id, long want, long sent, ComputeReservations.Block block, Throwable failure) {
            Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                    ? failure.getCause()
                    : failure;
            List<CompletableFuture<Taken>> served;
            List<String> admitted = new ArrayList<>();
            List<Leftover> gone = new ArrayList<>(1);
            String again = null;
            ApiException refused = null;
            long now = clock.getAsLong();
            synchronized (this) {
                asking = false;
                served = new ArrayList<>(waiting);
                waiting.clear();
                if (cause == null) {
                    Slot granted = new Slot(id, block.units(), sent + usableNanos);
                    if (current == null) {
                        current = granted;
                    } else {
                        next = granted; // renewed ahead: taken from once the current one is spent
                    }
                    refusal = null;
                    while (admitted.size() < served.size()) {
                        String took = takeUnit(now, gone);
                        if (took == null) {
                            break;
                        }
                        admitted.add(took);
                    }
                    if (admitted.size() < served.size()) {
                        if (block.units() >= want) {
                            // more predictions came while it asked, and the month has room: a block for them at once
                            waiting.addAll(served.subList(admitted.size(), served.size()));
                            served = new ArrayList<>(served.subList(0, admitted.size()));
                            again = startAsking();
                        } else {
                            // tenant-service granted all that was left: the month is used up
                            refused = rememberRefusal(ComputeBlockClient.quotaExceeded(secondsToNextMonth()), now);
                        }
                    }
                } else if (cause instanceof ApiException api && api.type() == ProblemType.QUOTA_EXCEEDED) {
                    refused = rememberRefusal(api, now);
                } else {
                    renewAfter = now + RENEWAL_PAUSE.toNanos(); // those waiting fail; renewing ahead waits a moment
                }
            }
            if (cause == null) {
                LOG.debugf("tenant %s: compute block %s of %d units", tenantId, id, block.units());
                scheduleRelease(id, Math.min(idleNanos, usableNanos));
            }
            giveBack(gone);
            for (int k = 0; k < served.size(); k++) {
                CompletableFuture<Taken> waiter = served.get(k);
                if (k < admitted.size()) {
                    waiter.complete(new Taken(admitted.get(k)));
                } else if (refused != null) {
                    waiter.completeExceptionally(refused);
                } else {
                    waiter.completeExceptionally(cause);
                }
            }
            if (again != null) {
                reserve(again);
            }
        }

        private ApiException rememberRefusal(ApiException refusal, long now) {
            this.refusal = refusal;
            this.refusedAt = now;
            this.refusedUntil = now + refusalNanos;
            return refusal;
        }

        /** The remembered refusal, its {@code Retry-After} counted down; called holding this block's monitor. */
        private ApiException remembered(long now) {
            long retryAfter = Long.parseLong(refusal.headers().getOrDefault("Retry-After", "1"));
            long elapsed = (now - refusedAt) / 1_000_000_000L;
            return ComputeBlockClient.quotaExceeded(Math.max(1, retryAfter - elapsed));
        }

        /** Checks after {@code delayNanos} whether block {@code id} has been idle long enough, or is past its use. */
        private void scheduleRelease(String id, long delayNanos) {
            vertx.setTimer(Math.max(1, delayNanos / 1_000_000), timer -> releaseIfIdle(id));
        }

        private void releaseIfIdle(String id) {
            long now = clock.getAsLong();
            Slot slot;
            synchronized (this) {
                slot = held(id);
                if (slot == null) {
                    return; // spent and replaced, or already given back
                }
                long idleFor = now - lastUsed;
                long usableFor = slot.usableUntil - now;
                if (idleFor < idleNanos && usableFor > 0) {
                    scheduleRelease(id, Math.min(idleNanos - idleFor, usableFor));
                    return;
                }
                if (slot == current) {
                    current = next; // an unused next block, when there is one, takes over (and has its own timer)
                    next = null;
                } else {
                    next = null;
                }
            }
            giveBack(List.of(new Leftover(slot.id, slot.units)));
        }

        private void giveBack(List<Leftover> gone) {
            for (Leftover leftover : gone) {
                if (leftover.units() > 0) {
                    LOG.debugf(
                            "tenant %s: compute block %s gives back %d units",
                            tenantId, leftover.id(), leftover.units());
                    client.release(tenantId, leftover.id(), leftover.units());
                }
            }
        }

        /** The block with reservation {@code id} when this replica still holds it. */
        private Slot held(String id) {
            if (current != null && current.id.equals(id)) {
                return current;
            }
            return next != null && next.id.equals(id) ? next : null;
        }

        /** Extra units of a prediction: from the block it took from while held here, else from the current one. */
        synchronized void spend(String id, long extra) {
            Slot slot = held(id);
            if (slot == null) {
                slot = current;
            }
            if (slot != null) {
                slot.units = Math.max(0, slot.units - extra);
            }
        }

        synchronized void refund(String id) {
            Slot slot = held(id);
            if (slot != null) {
                slot.units += ADMISSION_UNITS;
            }
        }

        private String nextId() {
            return "pred-" + replica + "-" + sequence.incrementAndGet();
        }
    }

    private static long secondsToNextMonth() {
        java.time.ZonedDateTime now = java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC);
        java.time.ZonedDateTime next =
                now.withDayOfMonth(1).toLocalDate().plusMonths(1).atStartOfDay(java.time.ZoneOffset.UTC);
        return Math.max(1, Duration.between(now, next).toSeconds());
    }
}
