package io.aiaas.tenant.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimitOwnerTest {
    private static final long MS = 1_000_000L;

    private final AtomicLong now = new AtomicLong(1_000 * MS);

    private RateLimitOwner owner(long leaseMillis) {
        return new RateLimitOwner(Duration.ofMillis(leaseMillis), now::get);
    }

    @Test
    void aBucketStartsEmptyAtTheOwnersStartAndFillsToTheBurst() {
        RateLimitOwner owner = owner(500);
        RateLimitOwner.Lease first = owner.lease("ten_a", "gw1", 5, 10, 10, 0, 0, null);
        assertEquals(0, first.granted());
        assertEquals(200, first.retryAfterMillis(), "one token at 5/s comes after 200 ms");
        now.addAndGet(10_000 * MS);
        RateLimitOwner.Lease full = owner.lease("ten_a", "gw1", 5, 10, 50, 0, 0, null);
        assertEquals(10, full.granted(), "never more than the burst");
        assertEquals(0, full.available());
        assertTrue(full.retryAfterMillis() > 0);
    }

    @Test
    void aLeaseHoldsRoomInTheBucketUntilItEndsOrItsReplicaAsksAgain() {
        RateLimitOwner owner = owner(500);
        now.addAndGet(10_000 * MS);
        assertEquals(10, owner.lease("ten_a", "gw1", 5, 10, 10, 0, 0, null).granted());
        // 400 ms on: gw1 may still be spending, so the bucket (burst 10) had no room for the tokens made meanwhile
        now.addAndGet(400 * MS);
        RateLimitOwner.Lease held = owner.lease("ten_a", "gw2", 5, 10, 10, 0, 0, null);
        assertEquals(0, held.granted());
        assertEquals(200, held.retryAfterMillis());
        // the lease ended at 500 ms; 200 ms later one token has been made
        now.addAndGet(300 * MS);
        assertEquals(1, owner.lease("ten_a", "gw2", 5, 10, 10, 0, 0, null).granted());
        // a long pause: full again, but not fuller
        now.addAndGet(60_000 * MS);
        assertEquals(10, owner.lease("ten_a", "gw1", 5, 10, 100, 0, 0, null).granted());
    }

    @Test
    void tokensForRequestsAlreadyWaitingHoldNoRoom() {
        RateLimitOwner owner = owner(500);
        now.addAndGet(10_000 * MS);
        // five requests wait at gw1: the five tokens are spent as the answer arrives
        assertEquals(5, owner.lease("ten_a", "gw1", 5, 5, 5, 5, 0, null).granted());
        now.addAndGet(200 * MS);
        assertEquals(1, owner.lease("ten_a", "gw2", 5, 5, 5, 5, 0, null).granted(), "the rate's next token");
    }

    @Test
    void unspentTokensComeBackWhileTheirLeaseLastsAndOnlyToTheEpochThatGrantedThem() {
        RateLimitOwner owner = owner(500);
        now.addAndGet(10_000 * MS);
        RateLimitOwner.Lease first = owner.lease("ten_a", "gw1", 1, 10, 10, 0, 0, null);
        assertEquals(10, first.granted());
        now.addAndGet(300 * MS);
        // gw1 spent 4 and gives 6 back, naming another owner's epoch: ignored
        assertEquals(0, owner.lease("ten_a", "gw1", 1, 10, 0, 0, 6, "rle_other").available());

        RateLimitOwner fresh = owner(500);
        now.addAndGet(10_000 * MS);
        RateLimitOwner.Lease lease = fresh.lease("ten_a", "gw1", 1, 10, 10, 0, 0, null);
        now.addAndGet(300 * MS);
        assertEquals(
                6, fresh.lease("ten_a", "gw1", 1, 10, 0, 0, 6, lease.epoch()).available());
        assertEquals(6, fresh.lease("ten_a", "gw2", 1, 10, 6, 0, 0, null).granted());
        // gw2's lease ends 500 ms on; it returns its 6 later still: they do not come back, only the 2.3 tokens the
        // rate made in the 2.3 s since the bucket was last emptied
        now.addAndGet(2_000 * MS);
        RateLimitOwner.Lease late = fresh.lease("ten_a", "gw2", 1, 10, 0, 0, 6, lease.epoch());
        assertEquals(2, late.available());
    }

    @Test
    void tenantsHaveTheirOwnBuckets() {
        RateLimitOwner owner = owner(500);
        now.addAndGet(10_000 * MS);
        assertEquals(10, owner.lease("ten_a", "gw1", 5, 10, 10, 0, 0, null).granted());
        assertEquals(10, owner.lease("ten_b", "gw1", 5, 10, 10, 0, 0, null).granted());
    }

    /**
     * Several replicas lease slices at random moments, spend them at random moments before their lease ends there,
     * ask again at any time (giving back what they hold) or return late: in no window do they admit more than
     * burst + rate × window.
     */
    @Test
    void noInterleavingOfReplicasAdmitsMoreThanThePlan() {
        Random random = new Random(42);
        for (int round = 0; round < 40; round++) {
            int rate = 1 + random.nextInt(50);
            int burst = 1 + random.nextInt(100);
            long leaseMs = 50 + random.nextInt(1000);
            RateLimitOwner owner = owner(leaseMs);
            now.addAndGet(random.nextInt(5_000) * MS);
            List<Long> admitted = new ArrayList<>();
            int replicas = 1 + random.nextInt(4);
            long[] held = new long[replicas];
            long[] expires = new long[replicas];
            long[] unspent = new long[replicas];
            String epoch = null;
            for (int step = 0; step < 20_000; step++) {
                now.addAndGet(random.nextInt(3_000) * 1_000L); // 0–3 ms
                int r = random.nextInt(replicas);
                long t = now.get();
                if (held[r] > 0 && t - expires[r] >= 0) {
                    unspent[r] += held[r];
                    held[r] = 0;
                }
                if (held[r] > 0 && random.nextInt(3) > 0) {
                    held[r]--;
                    admitted.add(t);
                } else if (random.nextInt(4) == 0) {
                    long sent = t; // the replica's lease counts from when it asked
                    now.addAndGet(random.nextInt(500) * 1_000L);
                    long giveBack = unspent[r] + held[r]; // it stops spending what it holds before asking
                    long want = random.nextInt(burst + 1);
                    long waiting = random.nextInt((int) want + 1);
                    RateLimitOwner.Lease lease =
                            owner.lease("ten_x", "gw" + r, rate, burst, want, waiting, giveBack, epoch);
                    epoch = lease.epoch();
                    unspent[r] = 0;
                    long spentNow = Math.min(waiting, lease.granted());
                    for (long k = 0; k < spentNow; k++) {
                        admitted.add(now.get()); // the requests that waited for this answer
                    }
                    held[r] = lease.granted() - spentNow;
                    expires[r] = sent + lease.leaseMillis() * MS;
                }
            }
            for (int i = 0; i < admitted.size(); i++) {
                for (int j = i; j < admitted.size(); j++) {
                    double window = (admitted.get(j) - admitted.get(i)) / 1e9;
                    long count = j - i + 1;
                    if (count > burst + rate * window + 1e-6) {
                        throw new AssertionError(String.format(
                                "round %d: %d admitted in %.4f s (rate %d, burst %d, lease %d ms, %d replicas)",
                                round, count, window, rate, burst, leaseMs, replicas));
                    }
                    if (window > (double) burst / rate + 2) {
                        break;
                    }
                }
            }
            assertTrue(admitted.size() > 0, "round " + round + " admitted nothing");
        }
    }
}
