package io.aiaas.common.quarkus.idempotency;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A creating request sent with an {@code Idempotency-Key}: whose key it is ({@code scope}: a tenant id, or
 * {@code platform} for administrators), the key, and the request's fingerprint (SHA-256 over its method, path and a
 * digest of its body). The same scope and key with the same fingerprint is a replay; with another, a conflict.
 *
 * <p>Factories return null when the request carries no key: such a request is simply carried out.
 */
public record IdempotentRequest(String scope, String key, String fingerprint) {
    public static final String HEADER = "Idempotency-Key";
    /** The scope of administrators' keys: they share one set, apart from every tenant's (tenant ids are {@code ten_…}). */
    public static final String PLATFORM_SCOPE = "platform";
    /** What a key may be; also the header's documented pattern. */
    public static final String KEY_PATTERN = "^[\\x20-\\x7e]{1,255}$";

    /** For the OpenAPI documents: an operation that honours the header. */
    public static final String HONOURED = "Honours `Idempotency-Key`: for 24 hours, a repeat of the same request"
            + " (method, path, body) under the same key answers the first answer again (status, body, `Location`) and"
            + " creates nothing; the same key with another request is a 409. Only successful creations keep their"
            + " key: after a refusal, a corrected request may use it again.";

    /** For the OpenAPI documents: the header parameter. */
    public static final String KEY_DESCRIPTION = "Makes a retry safe; the caller's own (keys of different tenants never"
            + " meet). 1 to 255 printable ASCII characters; anything else is a 400.";

    private static final Pattern KEY = Pattern.compile(KEY_PATTERN);

    /**
     * The request whose fingerprint covers {@code parts} (method, path, body digest, …); null without a key.
     *
     * @throws ApiException 400 for a key that is not 1 to 255 printable ASCII characters
     */
    public static IdempotentRequest of(String scope, String keyHeader, String... parts) {
        if (keyHeader == null) {
            return null;
        }
        if (!KEY.matcher(keyHeader).matches()) {
            throw ApiException.badRequest("'" + HEADER + "' must be 1 to 255 printable ASCII characters.");
        }
        return new IdempotentRequest(scope, keyHeader, sha256(encode("", parts)));
    }

    /** A request with a JSON body, fingerprinted by the body as the platform writes it (whitespace and unknown
     * members do not count); null without a key. */
    public static IdempotentRequest ofJson(String scope, String keyHeader, String method, String path, Object body) {
        if (keyHeader == null) {
            return null;
        }
        return of(scope, keyHeader, method, path, jsonDigest(body));
    }

    /** This request with more of it in the fingerprint: a streamed body's digest, known only once it was read. */
    public IdempotentRequest with(String... parts) {
        return new IdempotentRequest(scope, key, sha256(encode(fingerprint, parts)));
    }

    /** Each part prefixed by its length, so that no two lists of parts read alike. */
    private static String encode(String prefix, String... parts) {
        StringBuilder out = new StringBuilder(prefix);
        for (String part : parts) {
            String value = part == null ? "" : part;
            out.append(part == null ? -1 : value.length()).append(':').append(value);
        }
        return out.toString();
    }

    /** SHA-256 of the body written as JSON, streamed into the digest: a large body is not copied into a String. */
    static String jsonDigest(Object body) {
        MessageDigest digest = newDigest();
        try (OutputStream out = new DigestOutputStream(OutputStream.nullOutputStream(), digest)) {
            Json.mapper().writeValue(out, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static String sha256(String text) {
        return HexFormat.of().formatHex(newDigest().digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
