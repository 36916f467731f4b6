package io.aiaas.bench;

/** Percentiles of sorted latencies, by the nearest-rank method the load generator uses too. */
final class Percentiles {
    private Percentiles() {}

    /** The {@code p}-th percentile of {@code sortedNanos} in milliseconds; NaN when there is none. */
    static double millis(long[] sortedNanos, double p) {
        if (sortedNanos.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p / 100.0 * sortedNanos.length) - 1;
        return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, index))] / 1e6;
    }
}
