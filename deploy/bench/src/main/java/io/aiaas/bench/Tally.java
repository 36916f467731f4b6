package io.aiaas.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * One closed-loop step's measurements: the outcomes of calls that end inside the measured window, and the latencies of
 * the successful ones. Touched on the generator's single event loop only.
 */
final class Tally {
    private static final int MAX_SAMPLES = 1 << 20;

    final long measureFrom;
    final long measureUntil;
    private final long[] samples = new long[MAX_SAMPLES];
    private final Map<Integer, Long> statuses = new TreeMap<>();
    private int kept;
    private long completed;
    private long failed;

    Tally(long startNanos, Duration warmup, Duration measure) {
        this.measureFrom = startNanos + warmup.toNanos();
        this.measureUntil = measureFrom + measure.toNanos();
    }

    /** Whether the measured window has passed: no new call starts. */
    boolean over(long nowNanos) {
        return nowNanos >= measureUntil;
    }

    /** A call sent at {@code sentNanos} ended now with {@code outcome} (a status, or a negative code of failure). */
    void record(long sentNanos, int outcome, boolean succeeded) {
        long done = System.nanoTime();
        if (done < measureFrom || done >= measureUntil) {
            return;
        }
        statuses.merge(outcome, 1L, Long::sum);
        if (succeeded) {
            completed++;
            if (kept < samples.length) {
                samples[kept++] = done - sentNanos;
            }
        } else {
            failed++;
        }
    }

    LoadGenerator.Result result(int clients, Duration measure) {
        return result(clients, measure.toNanos() / 1e9);
    }

    /** The result of a step that lasted {@code seconds}. */
    LoadGenerator.Result result(int clients, double seconds) {
        long[] latencies = Arrays.copyOf(samples, kept);
        Arrays.sort(latencies);
        return new LoadGenerator.Result(clients, completed, failed, seconds, latencies, statuses);
    }
}
