package io.aiaas.model.api;

import io.aiaas.common.error.ApiException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * {@code ?limit=&cursor=} of a list: limit defaults to 20 and is clamped to 100; below 1 or non-numeric → 400. The
 * cursor is base64url of {@code <createdAt>|<key>} of the last item returned; one this service did not issue → 400.
 *
 * @param afterCreatedAt position of the cursor, null for the first page
 * @param afterKey the id (or version number) of the last item returned, null for the first page
 */
public record PageRequest(int limit, Instant afterCreatedAt, String afterKey) {
    public static final int DEFAULT_LIMIT = 20;
    public static final int MAX_LIMIT = 100;
    private static final Pattern KEY = Pattern.compile("^[A-Za-z0-9_]{1,64}$");

    public static PageRequest parse(String limit, String cursor) {
        int n = DEFAULT_LIMIT;
        if (limit != null && !limit.isBlank()) {
            try {
                n = Integer.parseInt(limit.trim());
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("'limit' must be a number from 1 to 100.");
            }
            if (n < 1) {
                throw ApiException.badRequest("'limit' must be a number from 1 to 100.");
            }
            n = Math.min(n, MAX_LIMIT);
        }
        if (cursor == null || cursor.isEmpty()) {
            return new PageRequest(n, null, null);
        }
        try {
            String decoded = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            int bar = decoded.indexOf('|');
            if (bar < 0) {
                throw invalidCursor();
            }
            Instant at = Instant.parse(decoded.substring(0, bar));
            String key = decoded.substring(bar + 1);
            if (!KEY.matcher(key).matches()) {
                throw invalidCursor();
            }
            return new PageRequest(n, at, key);
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw invalidCursor();
        }
    }

    public static String cursor(Instant createdAt, String key) {
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString((createdAt.toString() + "|" + key).getBytes(StandardCharsets.UTF_8));
    }

    /** The cursor key as a version number (cursors of version lists). */
    public Integer afterVersion() {
        if (afterKey == null) {
            return null;
        }
        try {
            return Integer.parseInt(afterKey);
        } catch (NumberFormatException e) {
            throw invalidCursor();
        }
    }

    private static ApiException invalidCursor() {
        return ApiException.badRequest("'cursor' is not a cursor this service issued.");
    }
}
