package io.aiaas.model.api;

import io.aiaas.common.error.ApiException;
import java.util.regex.Pattern;

final class IdempotencyKeys {
    private static final Pattern KEY = Pattern.compile("^[\\x21-\\x7e]{1,255}$");

    private IdempotencyKeys() {}

    /** The header's value, or null without one; a malformed key is a malformed header (400). */
    static String check(String key) {
        if (key == null) {
            return null;
        }
        if (!KEY.matcher(key).matches()) {
            throw ApiException.badRequest("'Idempotency-Key' must be 1 to 255 visible ASCII characters.");
        }
        return key;
    }
}
