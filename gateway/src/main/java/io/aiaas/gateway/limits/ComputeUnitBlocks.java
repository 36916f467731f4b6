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
 * block here, in memory, so the hot path makes no call. Only a replica whose block ran dry asks for a new one, once
 * for all the predictions waiting at that moment; a refusal (the month is used up) is remembered for a moment, so a
 * client hammering a tenant at its quota costs no calls either.
 *
 * <p>Each prediction's usage event names its block and lowers it at tenant-service by the units billed, so that
 * {@code used + reserved} never counts a prediction twice; a prediction billed more than one unit takes the rest from
 * the block here after its reply ({@link #charge}), one not billed gives its unit back ({@link #refund}). What can
 * overspend the quota is only that excess of predictions in flight when the block has no units left for it.
 *
 * <p>A block is taken from only in the first half of its TTL (the usage events of its last predictions then still
 * find it), and its unspent units go back to tenant-service when it has been idle a while or at that half-time. A
 * replica that dies leaves its block to expire at tenant-service.
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

    /** This process among the gateway replicas: its blocks' ids start with it. */
    private final String replica = Ids.newId("gw");

    private final AtomicLong sequence = new AtomicLong();
    private final ComputeReservations client;
    private final Vertx vertx;
    private final boolean enabled;
    private final long blockUnits;
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
            block.spend(units - ADMISSION_UNITS);
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

    private final class Block {
        private final String tenantId;
        // all guarded by this
        private String reservationId;
        private long units;
        private long usableUntil;
        private long lastUsed;
        private long refusedUntil;
        private ApiException refusal;
        private long refusedAt;
        private boolean asking;
        private final List<CompletableFuture<Taken>> waiting = new ArrayList<>();

        Block(String tenantId) {
            this.tenantId = tenantId;
        }

        CompletionStage<Taken> take() {
            long now = clock.getAsLong();
            CompletableFuture<Taken> waiter;
            String ask = null;
            String spentId = null;
            long unspent = 0;
            synchronized (this) {
                if (reservationId != null && units >= ADMISSION_UNITS && now - usableUntil < 0) {
                    units -= ADMISSION_UNITS;
                    lastUsed = now;
                    return CompletableFuture.completedFuture(new Taken(reservationId));
                }
                if (!asking && refusal != null && now - refusedUntil < 0) {
                    return CompletableFuture.failedFuture(remembered(now));
                }
                waiter = new CompletableFuture<>();
                waiting.add(waiter);
                if (!asking) {
                    asking = true;
                    if (reservationId != null && units > 0) {
                        // past its usable half: what is left goes back
                        spentId = reservationId;
                        unspent = units;
                    }
                    reservationId = null;
                    units = 0;
                    ask = nextId();
                }
            }
            if (spentId != null) {
                client.release(tenantId, spentId, unspent);
            }
            if (ask != null) {
                reserve(ask);
            }
            return waiter;
        }

        private void reserve(String id) {
            long want;
            synchronized (this) {
                want = Math.max(blockUnits, waiting.size() * ADMISSION_UNITS);
            }
            long sent = clock.getAsLong();
            client.reserve(tenantId, id, want, blockTtl)
                    .whenComplete((block, failure) -> answered(id, want, sent, block, failure));
        }

        private void answered(String id, long want, long sent, ComputeReservations.Block block, Throwable failure) {
            Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                    ? failure.getCause()
                    : failure;
            List<CompletableFuture<Taken>> served;
            int admitted = 0;
            String again = null;
            ApiException refused = null;
            long now = clock.getAsLong();
            synchronized (this) {
                asking = false;
                served = new ArrayList<>(waiting);
                waiting.clear();
                if (cause == null) {
                    reservationId = id;
                    units = block.units();
                    usableUntil = sent + usableNanos;
                    lastUsed = now;
                    refusal = null;
                    admitted = (int) Math.min(served.size(), units / ADMISSION_UNITS);
                    units -= admitted * ADMISSION_UNITS;
                    if (admitted < served.size()) {
                        if (block.units() >= want) {
                            // more predictions came while it asked, and the month has room: a block for them at once
                            waiting.addAll(served.subList(admitted, served.size()));
                            served = new ArrayList<>(served.subList(0, admitted));
                            asking = true;
                            again = nextId();
                        } else {
                            // tenant-service granted all that was left: the month is used up
                            refused = rememberRefusal(ComputeBlockClient.quotaExceeded(secondsToNextMonth()), now);
                        }
                    }
                } else if (cause instanceof ApiException api && api.type() == ProblemType.QUOTA_EXCEEDED) {
                    refused = rememberRefusal(api, now);
                }
            }
            if (cause == null) {
                LOG.debugf("tenant %s: compute block %s of %d units", tenantId, id, block.units());
                scheduleRelease(id, Math.min(idleNanos, usableNanos));
            }
            for (int k = 0; k < served.size(); k++) {
                CompletableFuture<Taken> waiter = served.get(k);
                if (k < admitted) {
                    waiter.complete(new Taken(id));
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

        /** The remembered refusal, its {@code Retry-After} counted down. */
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
            long unspent;
            synchronized (this) {
                if (!id.equals(reservationId)) {
                    return; // replaced by a newer block, whose own timer watches it
                }
                long idleFor = now - lastUsed;
                long usableFor = usableUntil - now;
                if (idleFor < idleNanos && usableFor > 0) {
                    long next = Math.min(idleNanos - idleFor, usableFor);
                    vertx.setTimer(Math.max(1, next / 1_000_000), timer -> releaseIfIdle(id));
                    return;
                }
                unspent = units;
                reservationId = null;
                units = 0;
            }
            if (unspent > 0) {
                LOG.debugf("tenant %s: compute block %s gives back %d units", tenantId, id, unspent);
                client.release(tenantId, id, unspent);
            }
        }

        synchronized void spend(long extra) {
            if (reservationId != null) {
                units = Math.max(0, units - extra);
            }
        }

        synchronized void refund(String id) {
            if (id.equals(reservationId)) {
                units += ADMISSION_UNITS;
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
