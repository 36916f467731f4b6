package io.aiaas.gateway.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.ProblemType;
import io.aiaas.common.id.Ids;
import io.aiaas.common.limits.RateLimitLease;
import io.aiaas.common.plan.PlanLimits;
import io.aiaas.gateway.client.RateLimitOwnerClient;
import io.aiaas.gateway.config.GatewayConfig;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * A tenant's {@code requestsPerSecond} and {@code burst}, exact across gateway replicas: tenant-service owns each
 * tenant's bucket and this replica leases slices of it ({@code RateLimitOwner} there explains why no interleaving
 * over-admits). A request spends a token of the slice held here, in memory, so the hot path makes no call at all;
 * only a replica that has run dry asks the owner, once for all the requests waiting at that moment. A refusal is
 * remembered until the owner said a token will exist, so a client hammering a limited tenant costs no calls either.
 *
 * <p>A slice is spent only until its lease ends here (a little before it ends at the owner, whose clock starts
 * later), and what is left then goes back. A replica that dies takes its slice with it: the plan is under-admitted
 * by at most one slice per replica for one lease, never over-admitted.
 */
@ApplicationScoped
public class RequestRateLimiter {
    private static final Logger LOG = Logger.getLogger(RequestRateLimiter.class);

    /** This process among the gateway replicas, for the owner's count of leases. */
    private final String replica = Ids.newId("gw");

    private final RateLimitOwnerClient owner;
    private final Vertx vertx;
    private final boolean enabled;
    private final double sliceSeconds;
    private final long marginNanos;
    private final LongSupplier clock;
    private final Cache<String, Slice> slices;

    @Inject
    public RequestRateLimiter(GatewayConfig config, RateLimitOwnerClient owner, Vertx vertx) {
        this(config.rateLimit(), owner, vertx, System::nanoTime);
    }

    RequestRateLimiter(GatewayConfig.RateLimit config, RateLimitOwnerClient owner, Vertx vertx, LongSupplier clock) {
        this.owner = owner;
        this.vertx = vertx;
        this.enabled = config.enabled();
        this.sliceSeconds = config.slice().toNanos() / 1e9;
        this.marginNanos = config.leaseMargin().toNanos();
        this.clock = clock;
        this.slices = Caffeine.newBuilder()
                .expireAfterAccess(Duration.ofMinutes(10))
                .maximumSize(100_000)
                .build();
    }

    public boolean enabled() {
        return enabled;
    }

    /** Admits one request of {@code tenantId} under {@code plan}, or refuses it with when to try again. */
    public CompletionStage<Admission> admit(String tenantId, PlanLimits plan) {
        Slice slice = slices.get(tenantId, id -> new Slice(id));
        return slice.admit(plan);
    }

    /** How many tokens one lease asks for beyond the requests waiting: {@code slice} worth of the rate. */
    private long sliceSize(PlanLimits plan) {
        return Math.max(1, Math.min(plan.burst(), (long) Math.ceil(plan.requestsPerSecond() * sliceSeconds)));
    }

    private final class Slice {
        private final String tenantId;
        // all guarded by this
        private long tokens;
        private long endsAt;
        private String epoch;
        private long sequence;
        private long unspent;
        private String unspentEpoch;
        private long refusedUntil;
        private long ownerAvailable;
        private boolean asking;
        private final List<CompletableFuture<Admission>> waiting = new ArrayList<>();

        Slice(String tenantId) {
            this.tenantId = tenantId;
        }

        CompletionStage<Admission> admit(PlanLimits plan) {
            long now = clock.getAsLong();
            CompletableFuture<Admission> waiter;
            RateLimitLease.Request ask = null;
            synchronized (this) {
                if (tokens > 0 && now - endsAt < 0) {
                    tokens--;
                    return CompletableFuture.completedFuture(admitted(plan));
                }
                endLocally();
                if (!asking && now - refusedUntil < 0) {
                    return CompletableFuture.completedFuture(refused(plan, refusedUntil - now));
                }
                waiter = new CompletableFuture<>();
                waiting.add(waiter);
                if (!asking) {
                    asking = true;
                    ask = request(plan, Math.max(waiting.size(), sliceSize(plan)), waiting.size());
                }
            }
            if (ask != null) {
                send(plan, ask, now);
            }
            return waiter;
        }

        /** The current slice can no longer be spent: what is left goes back with the next call. */
        private void endLocally() {
            if (tokens > 0) {
                unspent += tokens;
                unspentEpoch = epoch;
                tokens = 0;
            }
        }

        private RateLimitLease.Request request(PlanLimits plan, long want, long immediate) {
            RateLimitLease.Request request = new RateLimitLease.Request(
                    tenantId, replica, plan.requestsPerSecond(), plan.burst(), want, immediate, unspent, unspentEpoch);
            unspent = 0;
            unspentEpoch = null;
            return request;
        }

        private void send(PlanLimits plan, RateLimitLease.Request request, long sent) {
            owner.lease(request).whenComplete((lease, failure) -> answered(plan, request, sent, lease, failure));
        }

        private void answered(
                PlanLimits plan,
                RateLimitLease.Request request,
                long sent,
                RateLimitLease.Grant lease,
                Throwable failure) {
            if (LOG.isDebugEnabled()) {
                LOG.debugf(
                        "tenant %s: lease %s -> %s", tenantId, request, failure != null ? failure.toString() : lease);
            }
            List<CompletableFuture<Admission>> served;
            List<Admission> answers = new ArrayList<>();
            long returnAfter = -1;
            long leaseSequence;
            RateLimitLease.Request again = null;
            long now = clock.getAsLong();
            synchronized (this) {
                asking = false;
                served = new ArrayList<>(waiting);
                waiting.clear();
                leaseSequence = ++sequence;
                if (failure != null && request.want() == 0 && !served.isEmpty()) {
                    // only a give-back failed: the requests that came meanwhile were never asked for
                    waiting.addAll(served);
                    served = new ArrayList<>();
                    asking = true;
                    again = request(plan, Math.max(waiting.size(), sliceSize(plan)), waiting.size());
                } else if (failure == null) {
                    epoch = lease.epoch();
                    ownerAvailable = lease.available();
                    int admitted = (int) Math.min(served.size(), lease.granted());
                    tokens = lease.granted() - admitted;
                    endsAt = sent + lease.leaseMillis() * 1_000_000 - marginNanos;
                    for (int k = 0; k < admitted; k++) {
                        answers.add(admitted(plan));
                    }
                    if (admitted < served.size()) {
                        if (lease.retryAfterMillis() <= 0 && (lease.granted() > 0 || request.want() < served.size())) {
                            // more requests came while it asked (or while it only gave tokens back), and the owner
                            // has not run dry: ask again for them at once
                            waiting.addAll(served.subList(admitted, served.size()));
                            served = new ArrayList<>(served.subList(0, admitted));
                            asking = true;
                            again = request(plan, Math.max(waiting.size(), sliceSize(plan)), waiting.size());
                        } else {
                            long wait = lease.retryAfterMillis() > 0 ? lease.retryAfterMillis() : 1_000;
                            refusedUntil = now + wait * 1_000_000;
                            for (int k = admitted; k < served.size(); k++) {
                                answers.add(refused(plan, refusedUntil - now));
                            }
                        }
                    }
                    if (tokens > 0) {
                        returnAfter = Math.max(1, (endsAt - now) / 1_000_000);
                    }
                }
                // on failure the given-back tokens may not have arrived; they are not sent twice (at worst the plan
                // is under-admitted by them)
            }
            for (int k = 0; k < served.size(); k++) {
                if (failure != null) {
                    served.get(k).completeExceptionally(failure);
                } else {
                    served.get(k).complete(answers.get(k));
                }
            }
            if (again != null) {
                send(plan, again, now);
            }
            if (returnAfter > 0) {
                vertx.setTimer(returnAfter, id -> giveBack(plan, leaseSequence));
            }
        }

        /** At the end of a lease with tokens left and nobody asking, they go back to the owner at once. */
        private void giveBack(PlanLimits plan, long leaseSequence) {
            RateLimitLease.Request request;
            synchronized (this) {
                if (sequence != leaseSequence || asking || tokens == 0) {
                    return;
                }
                endLocally();
                asking = true;
                request = request(plan, 0, 0);
            }
            send(plan, request, clock.getAsLong());
        }

        private Admission admitted(PlanLimits plan) {
            long remaining = Math.min(plan.burst(), tokens + ownerAvailable);
            return new Admission(true, plan.burst(), remaining, secondsToFill(plan, remaining), 0);
        }

        private Admission refused(PlanLimits plan, long waitNanos) {
            long seconds = Math.max(1, (waitNanos + 999_999_999) / 1_000_000_000);
            return new Admission(false, plan.burst(), 0, seconds, seconds);
        }
    }

    private static long secondsToFill(PlanLimits plan, long remaining) {
        long missing = plan.burst() - remaining;
        return missing <= 0 ? 0 : (missing + plan.requestsPerSecond() - 1) / plan.requestsPerSecond();
    }

    /** The answer when the owner cannot be asked: nothing is known but the policy; try again after the pause. */
    public static Admission unknown(PlanLimits plan, int retryAfterSeconds) {
        return new Admission(false, plan.burst(), 0, retryAfterSeconds, retryAfterSeconds);
    }

    /**
     * The answer for one request, and its {@code RateLimit} headers (draft-11): the policy's quota is the burst per
     * second; {@code r} is what this replica can still see of the bucket, {@code t} when it is full again (or, when
     * refused, when to try again).
     */
    public record Admission(boolean admitted, int burst, long remaining, long resetSeconds, long retryAfterSeconds) {
        public String policyHeader() {
            return "\"default\";q=" + burst + ";w=1";
        }

        public String header() {
            return "\"default\";r=" + remaining + ";t=" + resetSeconds;
        }

        public ApiException refusal() {
            return new ApiException(
                            ProblemType.QUOTA_EXCEEDED,
                            "The plan's rate limit is reached (burst " + burst + "); try again in " + retryAfterSeconds
                                    + " s.")
                    .header("Retry-After", String.valueOf(retryAfterSeconds));
        }
    }
}
