package io.aiaas.common.page;

import java.util.List;
import java.util.function.Function;

/** One page of a list, as every list of the API answers: {@code {"items":[…],"nextCursor":…}}. */
public record Page<T>(List<T> items, String nextCursor) {

    public <R> Page<R> map(Function<T, R> view) {
        return new Page<>(items.stream().map(view).toList(), nextCursor);
    }
}
