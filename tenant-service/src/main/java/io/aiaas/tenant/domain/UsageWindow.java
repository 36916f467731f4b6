package io.aiaas.tenant.domain;

import io.aiaas.common.error.ApiException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/** The time range {@code [from, to)} and bucket width of a usage query. */
public record UsageWindow(Instant from, Instant to, Granularity granularity) {
    public static final Duration DEFAULT_SPAN = Duration.ofDays(30);

    /**
     * From the raw query parameters (each may be null): RFC 3339 times, {@code to} defaulting to now and {@code from}
     * to 30 days before {@code to}; granularity {@code day} unless {@code hour}. Bad values are a 400.
     */
    public static UsageWindow of(String from, String to, String granularity, Instant now, Duration maxSpan) {
        Granularity g = granularity == null
                ? Granularity.DAY
                : Granularity.of(granularity)
                        .orElseThrow(() -> ApiException.badRequest("'granularity' must be 'hour' or 'day'."));
        Instant end = to == null ? now.truncatedTo(ChronoUnit.MILLIS) : parse("to", to);
        Instant start = from == null ? end.minus(DEFAULT_SPAN) : parse("from", from);
        if (!start.isBefore(end)) {
            throw ApiException.badRequest("'from' must be before 'to'.");
        }
        if (Duration.between(start, end).compareTo(maxSpan) > 0) {
            throw ApiException.badRequest("A usage query spans at most " + maxSpan.toDays() + " days.");
        }
        return new UsageWindow(start, end, g);
    }

    private static Instant parse(String name, String value) {
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("'" + name + "' must be an RFC 3339 time such as 2024-01-31T00:00:00Z.");
        }
    }
}
