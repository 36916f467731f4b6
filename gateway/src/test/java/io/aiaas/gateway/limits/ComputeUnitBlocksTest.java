package io.aiaas.gateway.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.ProblemType;
import io.aiaas.common.plan.PlanLimits;
import io.aiaas.gateway.client.ComputeBlockClient;
import io.aiaas.gateway.client.ComputeReservations;
import io.aiaas.gateway.config.GatewayConfig;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The blocks of compute units a gateway replica holds per tenant, against a scripted tenant-service ledger. */
class ComputeUnitBlocksTest {
    private static final String TENANT = "ten_blocks";
    private static final PlanLimits PLAN =
            new PlanLimits("small", 1L, 100, 100, 1, 1_000, 1 << 20, 1 << 20, 1 << 20, 10);

    /** tenant-service as the test answers it: every reservation waits until the test completes it. */
    static final class ScriptedLedger implements ComputeReservations {
        record Asked(String tenantId, String reservationId, long units, CompletableFuture<Block> answer) {}

        record Released(String tenantId, String reservationId, long units) {}

        final ConcurrentLinkedQueue<Asked> asked = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Released> released = new ConcurrentLinkedQueue<>();

        @Override
        public CompletionStage<Block> reserve(String tenantId, String reservationId, long units, Duration ttl) {
            CompletableFuture<Block> answer = new CompletableFuture<>();
            asked.add(new Asked(tenantId, reservationId, units, answer));
            return answer;
        }

        @Override
        public CompletionStage<Void> release(String tenantId, String reservationId, long units) {
            released.add(new Released(tenantId, reservationId, units));
            return CompletableFuture.completedFuture(null);
        }

        Asked last() {
            Asked last = null;
            for (Asked a : asked) {
                last = a;
            }
            return last;
        }
    }

    private record Quota(boolean enabled, long blockUnits, Duration idleRelease) implements GatewayConfig.ComputeQuota {
        @Override
        public long blockUnitsMax() {
            return 1_000;
        }

        @Override
        public Duration blockTtl() {
            return Duration.ofSeconds(60);
        }

        @Override
        public Duration refusalMemory() {
            return Duration.ofSeconds(1);
        }

        @Override
        public Duration timeout() {
            return Duration.ofSeconds(1);
        }
    }

    private Vertx vertx;
    private ScriptedLedger ledger;
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
        ledger = new ScriptedLedger();
    }

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private ComputeUnitBlocks blocks(long blockUnits, Duration idle) {
        return new ComputeUnitBlocks(new Quota(true, blockUnits, idle), ledger, vertx, clock::get);
    }

    private static ApiException failure(CompletionStage<?> stage) {
        try {
            stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return (ApiException) e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("admitted, but should have been refused");
    }

    private static ComputeUnitBlocks.Taken taken(CompletionStage<ComputeUnitBlocks.Taken> stage) throws Exception {
        return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    /** How many predictions are admitted at once from the block held, before one has to wait for a new block. */
    private static int admittedWithoutWaiting(ComputeUnitBlocks blocks) {
        int n = 0;
        while (blocks.take(TENANT, PLAN).toCompletableFuture().isDone()) {
            n++;
        }
        return n;
    }

    @Test
    void concurrentPredictionsWaitingForABlockShareOneCallAndTheBlockServesTheNextOnesWithoutAny() throws Exception {
        ComputeUnitBlocks blocks = blocks(100, Duration.ofSeconds(30));
        int takers = 32;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<CompletableFuture<ComputeUnitBlocks.Taken>> waiting = new ArrayList<>();
        CountDownLatch asked = new CountDownLatch(takers);
        try {
            List<java.util.concurrent.Future<CompletableFuture<ComputeUnitBlocks.Taken>>> calls = new ArrayList<>();
            for (int i = 0; i < takers; i++) {
                calls.add(pool.submit(() -> {
                    CompletableFuture<ComputeUnitBlocks.Taken> f =
                            blocks.take(TENANT, PLAN).toCompletableFuture();
                    asked.countDown();
                    return f;
                }));
            }
            assertTrue(asked.await(5, TimeUnit.SECONDS));
            for (var call : calls) {
                waiting.add(call.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, ledger.asked.size(), "one call to tenant-service for all who wait");
        ScriptedLedger.Asked ask = ledger.last();
        assertEquals(TENANT, ask.tenantId());
        assertEquals(100, ask.units());
        assertTrue(ask.reservationId().startsWith("pred-gw_"), ask.reservationId());
        for (CompletableFuture<ComputeUnitBlocks.Taken> f : waiting) {
            assertFalse(f.isDone(), "nobody is admitted before the block is granted");
        }

        ask.answer().complete(new ComputeReservations.Block(ask.reservationId(), 100));
        for (CompletableFuture<ComputeUnitBlocks.Taken> f : waiting) {
            assertEquals(ask.reservationId(), taken(f).reservationId(), "the usage event will name the block");
        }
        assertEquals(100 - takers, admittedWithoutWaiting(blocks), "the rest of the block, with no call");
        assertEquals(2, ledger.asked.size(), "the block spent, the next prediction asks for a new one");
        assertFalse(ledger.last().reservationId().equals(ask.reservationId()), "a new id for each block");
    }

    @Test
    void aMonthWithTooFewUnitsAdmitsWhatIsLeftAndRefusesTheRestWith429UntilTheNextMonth() throws Exception {
        ComputeUnitBlocks blocks = blocks(100, Duration.ofSeconds(30));
        List<CompletableFuture<ComputeUnitBlocks.Taken>> waiting = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            waiting.add(blocks.take(TENANT, PLAN).toCompletableFuture());
        }
        ScriptedLedger.Asked ask = ledger.last();
        ask.answer().complete(new ComputeReservations.Block(ask.reservationId(), 3)); // all that is left
        int admitted = 0;
        for (CompletableFuture<ComputeUnitBlocks.Taken> f : waiting) {
            try {
                taken(f);
                admitted++;
            } catch (ExecutionException e) {
                ApiException refusal = (ApiException) e.getCause();
                assertEquals(ProblemType.QUOTA_EXCEEDED, refusal.type());
                assertEquals(429, refusal.type().status());
                assertTrue(Long.parseLong(refusal.headers().get("Retry-After")) >= 1);
            }
        }
        assertEquals(3, admitted, "exactly the units granted");
        assertEquals(1, ledger.asked.size());

        // the month is used up: remembered for a moment, so a client hammering costs no calls
        assertEquals(
                ProblemType.QUOTA_EXCEEDED, failure(blocks.take(TENANT, PLAN)).type());
        assertEquals(1, ledger.asked.size(), "the refusal is remembered");

        // then tenant-service is asked again, and its refusal is passed on with its Retry-After
        clock.addAndGet(Duration.ofSeconds(2).toNanos());
        CompletionStage<ComputeUnitBlocks.Taken> next = blocks.take(TENANT, PLAN);
        assertEquals(2, ledger.asked.size());
        ledger.last().answer().completeExceptionally(ComputeBlockClient.quotaExceeded(86_400));
        ApiException refused = failure(next);
        assertEquals(ProblemType.QUOTA_EXCEEDED, refused.type());
        assertEquals("86400", refused.headers().get("Retry-After"));
        assertEquals("86400", failure(blocks.take(TENANT, PLAN)).headers().get("Retry-After"));
        assertEquals(2, ledger.asked.size());
        clock.addAndGet(Duration.ofSeconds(2).toNanos());
        blocks.take(TENANT, PLAN);
        assertEquals(3, ledger.asked.size(), "asked again after a moment");
    }

    @Test
    void tenantServiceUnreachableIsA503ForThoseWaitingAndTheNextPredictionAsksAgain() {
        ComputeUnitBlocks blocks = blocks(100, Duration.ofSeconds(30));
        CompletionStage<ComputeUnitBlocks.Taken> first = blocks.take(TENANT, PLAN);
        CompletionStage<ComputeUnitBlocks.Taken> second = blocks.take(TENANT, PLAN);
        ledger.last()
                .answer()
                .completeExceptionally(ApiException.unavailable("The compute-unit quota cannot be checked.", 2));
        assertEquals(ProblemType.UNAVAILABLE, failure(first).type());
        assertEquals(ProblemType.UNAVAILABLE, failure(second).type());
        assertEquals(1, ledger.asked.size());
        blocks.take(TENANT, PLAN);
        assertEquals(2, ledger.asked.size(), "an outage is not remembered as a refusal");
    }

    @Test
    void aPredictionBilledMoreThanAUnitTakesTheRestFromTheBlockAndOneNotBilledGivesItsUnitBack() throws Exception {
        ComputeUnitBlocks blocks = blocks(20, Duration.ofSeconds(30));
        CompletionStage<ComputeUnitBlocks.Taken> first = blocks.take(TENANT, PLAN);
        ScriptedLedger.Asked ask = ledger.last();
        ask.answer().complete(new ComputeReservations.Block(ask.reservationId(), 20));
        ComputeUnitBlocks.Taken unit = taken(first);
        ComputeUnitBlocks.Taken refunded = taken(blocks.take(TENANT, PLAN));
        blocks.charge(TENANT, unit, 5); // 4 more than it took
        blocks.refund(TENANT, refunded); // refused by the worker: not billed
        // 20 − 1 − 1 − 4 + 1 = 15 left
        assertEquals(15, admittedWithoutWaiting(blocks));
        assertEquals(2, ledger.asked.size());
        // a charge past what is left empties the block, never below
        ScriptedLedger.Asked second = ledger.last();
        second.answer().complete(new ComputeReservations.Block(second.reservationId(), 3));
        blocks.charge(TENANT, new ComputeUnitBlocks.Taken(second.reservationId()), 50);
        blocks.take(TENANT, PLAN);
        assertEquals(3, ledger.asked.size());
    }

    @Test
    void anIdleBlockGivesItsUnspentUnitsBack() throws Exception {
        ComputeUnitBlocks blocks = blocks(100, Duration.ofMillis(50));
        CompletionStage<ComputeUnitBlocks.Taken> first = blocks.take(TENANT, PLAN);
        ScriptedLedger.Asked ask = ledger.last();
        ask.answer().complete(new ComputeReservations.Block(ask.reservationId(), 100));
        taken(first);
        taken(blocks.take(TENANT, PLAN));
        clock.addAndGet(Duration.ofSeconds(1).toNanos());
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (ledger.released.isEmpty() && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertEquals(
                List.of(new ScriptedLedger.Released(TENANT, ask.reservationId(), 98)),
                List.copyOf(ledger.released),
                "the 98 unspent units go back; the 2 taken stay until the predictions' usage events lower them");
        blocks.take(TENANT, PLAN);
        assertEquals(2, ledger.asked.size(), "the next prediction asks for a new block");
    }

    /** Takes one unit, which must be admitted at once (no wait for tenant-service), and names its block. */
    private static String takenAtOnce(ComputeUnitBlocks blocks) throws Exception {
        CompletableFuture<ComputeUnitBlocks.Taken> f = blocks.take(TENANT, PLAN).toCompletableFuture();
        assertTrue(f.isDone(), "admitted without waiting for tenant-service");
        return f.get().reservationId();
    }

    /** A first block of {@code units}, granted to the first prediction. */
    private ScriptedLedger.Asked firstBlock(ComputeUnitBlocks blocks, long units) throws Exception {
        CompletionStage<ComputeUnitBlocks.Taken> first = blocks.take(TENANT, PLAN);
        ScriptedLedger.Asked ask = ledger.last();
        ask.answer().complete(new ComputeReservations.Block(ask.reservationId(), units));
        assertEquals(ask.reservationId(), taken(first).reservationId());
        return ask;
    }

    @Test
    void theNextBlockIsReservedAtTheLowWaterMarkAndTakesMoveToItWithoutWaiting() throws Exception {
        ComputeUnitBlocks blocks = blocks(100, Duration.ofSeconds(30));
        ScriptedLedger.Asked first = firstBlock(blocks, 100);
        // 99 left; the renewal starts when 25 (a quarter) are left, i.e. after 74 more takes
        for (int i = 0; i < 73; i++) {
            assertEquals(first.reservationId(), takenAtOnce(blocks));
        }
        assertEquals(1, ledger.asked.size(), "no renewal above the low-water mark");
        assertEquals(first.reservationId(), takenAtOnce(blocks));
        assertEquals(2, ledger.asked.size(), "the next block is asked for at the low-water mark");
        ScriptedLedger.Asked renewal = ledger.last();
        assertEquals(100, renewal.units());
        assertFalse(renewal.reservationId().equals(first.reservationId()));

        // takes go on from the current block while the renewal is out, with no second call
        for (int i = 0; i < 10; i++) {
            assertEquals(first.reservationId(), takenAtOnce(blocks));
        }
        assertEquals(2, ledger.asked.size(), "one renewal in flight at a time");
        renewal.answer().complete(new ComputeReservations.Block(renewal.reservationId(), 100));
        // the current block's last 15 units, then the next block's, all without waiting
        for (int i = 0; i < 15; i++) {
            assertEquals(first.reservationId(), takenAtOnce(blocks), "the current block is spent first");
        }
        for (int i = 0; i < 75; i++) {
            assertEquals(renewal.reservationId(), takenAtOnce(blocks), "the usage event names the new block");
        }
        assertEquals(3, ledger.asked.size(), "the new block, at its own low-water mark, asks for the one after");
        assertTrue(ledger.released.isEmpty(), "a block spent has nothing to give back");
    }

    @Test
    void aRenewalRefusedLetsTheRestOfTheCurrentBlockBeSpentThen429() throws Exception {
        ComputeUnitBlocks blocks = blocks(100, Duration.ofSeconds(30));
        ScriptedLedger.Asked first = firstBlock(blocks, 100);
        for (int i = 0; i < 74; i++) {
            takenAtOnce(blocks);
        }
        assertEquals(2, ledger.asked.size());
        ledger.last().answer().completeExceptionally(ComputeBlockClient.quotaExceeded(86_400));
        for (int i = 0; i < 25; i++) {
            assertEquals(first.reservationId(), takenAtOnce(blocks), "the month's last units are still admitted");
        }
        assertEquals(2, ledger.asked.size(), "the refusal is remembered: no renewal asked again meanwhile");
        ApiException refused = failure(blocks.take(TENANT, PLAN));
        assertEquals(ProblemType.QUOTA_EXCEEDED, refused.type());
        assertEquals("86400", refused.headers().get("Retry-After"));
        assertEquals(2, ledger.asked.size());
    }

    @Test
    void aRenewalTenantServiceCouldNotAnswerIsTriedAgainAfterAPauseWhileTakesGoOn() throws Exception {
        ComputeUnitBlocks blocks = blocks(100, Duration.ofSeconds(30));
        ScriptedLedger.Asked first = firstBlock(blocks, 100);
        for (int i = 0; i < 74; i++) {
            takenAtOnce(blocks);
        }
        ledger.last()
                .answer()
                .completeExceptionally(ApiException.unavailable("The compute-unit quota cannot be checked.", 2));
        assertEquals(first.reservationId(), takenAtOnce(blocks));
        assertEquals(2, ledger.asked.size(), "no retry before the pause");
        clock.addAndGet(ComputeUnitBlocks.RENEWAL_PAUSE.toNanos());
        assertEquals(first.reservationId(), takenAtOnce(blocks));
        assertEquals(3, ledger.asked.size(), "retried at the next take after the pause");
    }

    @Test
    void twoBlocksNeverAdmitMoreThanTheLedgerGrantedForTheMonth() throws Exception {
        ComputeUnitBlocks blocks = blocks(40, Duration.ofSeconds(30));
        long quota = 130;
        long granted = 0;
        java.util.Map<String, Long> grants = new java.util.HashMap<>();
        java.util.Map<String, Long> takes = new java.util.HashMap<>();
        int refusedCount = 0;
        java.util.Set<ScriptedLedger.Asked> answered = new java.util.HashSet<>();
        for (int i = 0; i < 300; i++) {
            CompletableFuture<ComputeUnitBlocks.Taken> f =
                    blocks.take(TENANT, PLAN).toCompletableFuture();
            // the ledger answers each call at once, granting only what fits the month
            for (ScriptedLedger.Asked ask : ledger.asked) {
                if (answered.add(ask)) {
                    long left = quota - granted;
                    if (left <= 0) {
                        ask.answer().completeExceptionally(ComputeBlockClient.quotaExceeded(86_400));
                    } else {
                        long units = Math.min(ask.units(), left);
                        granted += units;
                        grants.put(ask.reservationId(), units);
                        ask.answer().complete(new ComputeReservations.Block(ask.reservationId(), units));
                    }
                }
            }
            try {
                takes.merge(taken(f).reservationId(), 1L, Long::sum);
            } catch (ExecutionException e) {
                assertEquals(ProblemType.QUOTA_EXCEEDED, ((ApiException) e.getCause()).type());
                refusedCount++;
            }
        }
        assertEquals(quota, takes.values().stream().mapToLong(Long::longValue).sum(), "the whole month, no more");
        assertEquals(300 - quota, refusedCount);
        for (var entry : takes.entrySet()) {
            assertTrue(
                    entry.getValue() <= grants.get(entry.getKey()),
                    "never more taken from a block than it was granted: " + entry);
        }
        assertEquals(grants.keySet(), takes.keySet(), "every block granted was used");
    }

    @Test
    void theLeftoversOfTheCurrentAndOfAnUnusedNextBlockBothGoBack() throws Exception {
        ComputeUnitBlocks blocks = blocks(100, Duration.ofMillis(50));
        ScriptedLedger.Asked first = firstBlock(blocks, 100);
        for (int i = 0; i < 74; i++) {
            takenAtOnce(blocks);
        }
        ScriptedLedger.Asked renewal = ledger.last();
        renewal.answer().complete(new ComputeReservations.Block(renewal.reservationId(), 100));
        clock.addAndGet(Duration.ofSeconds(1).toNanos()); // idle from now on
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (ledger.released.size() < 2 && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertEquals(
                java.util.Set.of(
                        new ScriptedLedger.Released(TENANT, first.reservationId(), 25),
                        new ScriptedLedger.Released(TENANT, renewal.reservationId(), 100)),
                java.util.Set.copyOf(ledger.released),
                "both blocks' unspent units go back, once each");
        blocks.take(TENANT, PLAN);
        assertEquals(3, ledger.asked.size(), "nothing held: the next prediction asks for a new block");
    }

    @Test
    void aNextBlockPastItsUsableHalfIsGivenBackAndTakesMoveOnToAFreshOne() throws Exception {
        ComputeUnitBlocks blocks = blocks(100, Duration.ofSeconds(300));
        ScriptedLedger.Asked first = firstBlock(blocks, 100);
        for (int i = 0; i < 74; i++) {
            takenAtOnce(blocks);
        }
        ScriptedLedger.Asked renewal = ledger.last();
        renewal.answer().complete(new ComputeReservations.Block(renewal.reservationId(), 100));
        // both pass their usable half (30 s of a 60 s TTL) before the current one is spent
        clock.addAndGet(Duration.ofSeconds(31).toNanos());
        CompletionStage<ComputeUnitBlocks.Taken> late = blocks.take(TENANT, PLAN);
        assertEquals(
                List.of(
                        new ScriptedLedger.Released(TENANT, first.reservationId(), 25),
                        new ScriptedLedger.Released(TENANT, renewal.reservationId(), 100)),
                List.copyOf(ledger.released));
        ScriptedLedger.Asked fresh = ledger.last();
        assertEquals(3, ledger.asked.size());
        fresh.answer().complete(new ComputeReservations.Block(fresh.reservationId(), 100));
        assertEquals(fresh.reservationId(), taken(late).reservationId());
    }

    @Test
    void aChargeOrRefundGoesToTheBlockThePredictionTookFrom() throws Exception {
        ComputeUnitBlocks blocks = blocks(8, Duration.ofSeconds(30));
        ScriptedLedger.Asked first = firstBlock(blocks, 8);
        ComputeUnitBlocks.Taken fromFirst = new ComputeUnitBlocks.Taken(first.reservationId());
        for (int i = 0; i < 5; i++) {
            takenAtOnce(blocks); // 2 left: the renewal is out
        }
        ScriptedLedger.Asked renewal = ledger.last();
        renewal.answer().complete(new ComputeReservations.Block(renewal.reservationId(), 8));
        blocks.charge(TENANT, fromFirst, 3); // 2 more off the first block: spent
        blocks.refund(TENANT, fromFirst); // 1 back to the first block
        assertEquals(first.reservationId(), takenAtOnce(blocks));
        for (int i = 0; i < 8; i++) {
            assertEquals(renewal.reservationId(), takenAtOnce(blocks), "the next block, untouched: 8 units");
        }
    }

    @Test
    void aBusyTenantsBlocksGrowToAboutTwoSecondsOfItsPredictionsUpToTheMaxAndAnIdleOnesStaySmall() throws Exception {
        ComputeUnitBlocks blocks = blocks(100, Duration.ofSeconds(30));
        java.util.Set<ScriptedLedger.Asked> answered = new java.util.HashSet<>();
        int waited = 0;
        for (int i = 0; i < 6_000; i++) { // 2,000 predictions a second for 3 s
            CompletableFuture<ComputeUnitBlocks.Taken> f =
                    blocks.take(TENANT, PLAN).toCompletableFuture();
            if (!f.isDone()) {
                waited++;
            }
            for (ScriptedLedger.Asked ask : ledger.asked) {
                if (answered.add(ask)) {
                    ask.answer().complete(new ComputeReservations.Block(ask.reservationId(), ask.units()));
                }
            }
            taken(f);
            clock.addAndGet(Duration.ofNanos(500_000).toNanos());
        }
        assertEquals(1, waited, "only the very first prediction waited for a block");
        List<Long> sizes =
                ledger.asked.stream().map(ScriptedLedger.Asked::units).toList();
        assertEquals(100, sizes.get(0), "an idle tenant starts with block-units");
        assertTrue(sizes.stream().allMatch(u -> u <= 1_000), "never more than block-units-max: " + sizes);
        assertEquals(1_000, sizes.get(sizes.size() - 1), "a busy tenant's blocks grow to the max: " + sizes);
        assertTrue(sizes.size() <= 16, "a few calls a second at most, not one per 100 predictions: " + sizes.size());

        // idle past the blocks' usable half: what is held goes back, and the next block is small again
        clock.addAndGet(Duration.ofSeconds(31).toNanos());
        blocks.take(TENANT, PLAN);
        assertEquals(100, ledger.last().units());
    }

    @Test
    void aUnitRefundedToASpentBlockIsTakenAgainWhileTheRenewalIsOut() throws Exception {
        ComputeUnitBlocks blocks = blocks(4, Duration.ofSeconds(30));
        ScriptedLedger.Asked first = firstBlock(blocks, 4);
        for (int i = 0; i < 3; i++) {
            takenAtOnce(blocks);
        }
        assertEquals(2, ledger.asked.size(), "the renewal is out");
        assertFalse(blocks.take(TENANT, PLAN).toCompletableFuture().isDone(), "both spent: this one waits");
        blocks.refund(TENANT, new ComputeUnitBlocks.Taken(first.reservationId())); // a prediction not billed
        assertEquals(first.reservationId(), takenAtOnce(blocks), "its unit is admitted again");
    }

    @Test
    void aTenantWithoutPlanLimitsOrWithTheCheckOffIsNotCounted() throws Exception {
        assertNull(taken(blocks(100, Duration.ofSeconds(30)).take(TENANT, null)).reservationId());
        ComputeUnitBlocks off =
                new ComputeUnitBlocks(new Quota(false, 100, Duration.ofSeconds(30)), ledger, vertx, clock::get);
        assertNull(taken(off.take(TENANT, PLAN)).reservationId());
        assertTrue(ledger.asked.isEmpty(), "no call to tenant-service");
    }
}
