package io.aiaas.common.id;

import java.security.SecureRandom;

/**
 * Object ids: a type prefix and 22 base62 characters carrying 128 bits of randomness ({@code ten_…}, {@code job_…}).
 */
public final class Ids {
    public static final String TENANT = "ten";
    public static final String JOB = "job";
    public static final String DATASET = "ds";
    public static final String REQUEST = "req";
    public static final String MODEL = "mdl";
    public static final String EVENT = "evt";

    static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int RANDOM_CHARS = 22;

    private Ids() {}

    public static String newId(String prefix) {
        return prefix + "_" + randomBase62(RANDOM_CHARS);
    }

    /** True when {@code id} has the given prefix and exactly 22 base62 characters after it. */
    public static boolean isValid(String prefix, String id) {
        if (id == null || !id.startsWith(prefix + "_") || id.length() != prefix.length() + 1 + RANDOM_CHARS) {
            return false;
        }
        for (int i = prefix.length() + 1; i < id.length(); i++) {
            if (ALPHABET.indexOf(id.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    /** {@code n} characters drawn uniformly from the base62 alphabet by rejection sampling. */
    public static String randomBase62(int n) {
        StringBuilder sb = new StringBuilder(n);
        byte[] buf = new byte[n * 2];
        while (sb.length() < n) {
            RANDOM.nextBytes(buf);
            for (int i = 0; i < buf.length && sb.length() < n; i++) {
                int v = buf[i] & 0xff;
                if (v < 248) { // 248 = 4 * 62: keeps the distribution uniform
                    sb.append(ALPHABET.charAt(v % 62));
                }
            }
        }
        return sb.toString();
    }

    public static String base62(long value, int width) {
        char[] out = new char[width];
        long v = value;
        for (int i = width - 1; i >= 0; i--) {
            out[i] = ALPHABET.charAt((int) (v % 62));
            v /= 62;
        }
        return new String(out);
    }
}
