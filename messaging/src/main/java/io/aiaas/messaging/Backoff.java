package io.aiaas.messaging;

import java.time.Duration;

/** Exponential backoff: {@code initial}, doubled after each consecutive failure, capped at {@code max}. */
public record Backoff(Duration initial, Duration max) {
    public Backoff {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= max");
        }
    }

    /** The pause after the {@code failures}-th consecutive failure (1 for the first). */
    public Duration after(int failures) {
        int doublings = Math.max(0, Math.min(failures - 1, 20));
        long millis = initial.toMillis() << doublings;
        return millis <= 0 || millis > max.toMillis() ? max : Duration.ofMillis(millis);
    }
}
