package io.aiaas.common.page;

import io.aiaas.common.error.ApiException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * A position in a newest-first list: the last item's creation time and id. Clients see it only as an opaque token
 * (base64url of {@code createdAt|id}); one the server did not issue is refused.
 */
public record Cursor(Instant createdAt, String id) {
    private static final int MAX_TOKEN_LENGTH = 512;
    private static final Pattern ID = Pattern.compile("^[A-Za-z0-9_-]{1,200}$");

    public String encode() {
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString((createdAt.toString() + "|" + id).getBytes(StandardCharsets.UTF_8));
    }

    /** The cursor of a token this server issued; anything else is a 400. */
    public static Cursor decode(String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            throw invalid();
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            int bar = text.indexOf('|');
            if (bar <= 0 || !ID.matcher(text.substring(bar + 1)).matches()) {
                throw invalid();
            }
            Cursor cursor = new Cursor(Instant.parse(text.substring(0, bar)), text.substring(bar + 1));
            // Only the canonical form is one we issued.
            if (!cursor.encode().equals(token)) {
                throw invalid();
            }
            return cursor;
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw invalid();
        }
    }

    private static ApiException invalid() {
        return ApiException.badRequest("The cursor is not one this server issued.");
    }
}
