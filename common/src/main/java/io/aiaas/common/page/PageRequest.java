package io.aiaas.common.page;

import io.aiaas.common.error.ApiException;
import java.math.BigInteger;
import java.util.List;
import java.util.function.Function;

/**
 * A request for one page of a newest-first list: {@code limit} (default 20, clamped to 100, below 1 or not a number
 * is a 400) and an optional cursor from the previous page.
 */
public record PageRequest(int limit, Cursor after) {
    public static final int DEFAULT_LIMIT = 20;
    public static final int MAX_LIMIT = 100;

    /** From the raw query parameters; either may be null. */
    public static PageRequest of(String limit, String cursor) {
        return new PageRequest(parseLimit(limit), cursor == null ? null : Cursor.decode(cursor));
    }

    static int parseLimit(String limit) {
        if (limit == null) {
            return DEFAULT_LIMIT;
        }
        if (!limit.matches("-?[0-9]{1,30}")) {
            throw ApiException.badRequest("'limit' must be a whole number.");
        }
        BigInteger value = new BigInteger(limit);
        if (value.signum() < 1) {
            throw ApiException.badRequest("'limit' must be at least 1.");
        }
        return value.min(BigInteger.valueOf(MAX_LIMIT)).intValue();
    }

    /** How many rows to fetch: one more than the page, to learn whether another page follows. */
    public int fetchSize() {
        return limit + 1;
    }

    /** The page of {@code fetched} (at most {@link #fetchSize()} rows, newest first), mapped to what the API shows. */
    public <E, T> Page<T> page(List<E> fetched, Function<E, Cursor> position, Function<E, T> view) {
        boolean more = fetched.size() > limit;
        List<E> rows = more ? fetched.subList(0, limit) : fetched;
        String next = more ? position.apply(rows.get(rows.size() - 1)).encode() : null;
        return new Page<>(rows.stream().map(view).toList(), next);
    }
}
