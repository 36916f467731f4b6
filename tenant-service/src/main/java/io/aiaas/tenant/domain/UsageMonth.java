package io.aiaas.tenant.domain;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;

/** The UTC calendar month quotas are counted in. */
public record UsageMonth(Instant start, Instant end) {

    public static UsageMonth of(Instant at) {
        YearMonth month = YearMonth.from(at.atZone(ZoneOffset.UTC));
        return new UsageMonth(
                month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant(),
                month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant());
    }

    /** Whole seconds from {@code now} until the next month begins, at least 1 (a {@code Retry-After}). */
    public long secondsUntilNext(Instant now) {
        long millis = end.toEpochMilli() - now.toEpochMilli();
        return Math.max(1, (millis + 999) / 1000);
    }
}
