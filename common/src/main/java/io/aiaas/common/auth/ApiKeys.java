package io.aiaas.common.auth;

import io.aiaas.common.id.Ids;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.CRC32;

/**
 * The API key format: {@code aiaas_} + 40 random base62 characters + 6 base62 characters of their CRC32. The checksum
 * lets the gateway refuse a mistyped key without a database look-up, and secret scanners find leaked ones.
 */
public final class ApiKeys {
    public static final String PREFIX = "aiaas_";
    static final int RANDOM_CHARS = 40;
    static final int CHECKSUM_CHARS = 6;
    public static final int LENGTH = PREFIX.length() + RANDOM_CHARS + CHECKSUM_CHARS;
    public static final int KEY_ID_LENGTH = 12;

    private ApiKeys() {}

    public static String generate() {
        String random = Ids.randomBase62(RANDOM_CHARS);
        return PREFIX + random + checksum(random);
    }

    static String checksum(String random) {
        CRC32 crc = new CRC32();
        crc.update(random.getBytes(StandardCharsets.US_ASCII));
        return Ids.base62(crc.getValue(), CHECKSUM_CHARS);
    }

    /** Format and checksum only; says nothing of whether the key exists. */
    public static boolean isWellFormed(String key) {
        if (key == null || key.length() != LENGTH || !key.startsWith(PREFIX)) {
            return false;
        }
        String body = key.substring(PREFIX.length());
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
                return false;
            }
        }
        String random = body.substring(0, RANDOM_CHARS);
        return checksum(random).equals(body.substring(RANDOM_CHARS));
    }

    /** The public key id: the first 12 random characters (characters 7–18 of the key). */
    public static String keyId(String key) {
        return key.substring(PREFIX.length(), PREFIX.length() + KEY_ID_LENGTH);
    }

    /** Hex SHA-256 of the whole key: the only form in which a key is stored. */
    public static String hash(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
