package io.aiaas.common.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

class ApiKeysTest {

    @Test
    void generatedKeysHaveTheContractFormat() {
        String key = ApiKeys.generate();
        assertEquals(52, key.length());
        assertTrue(key.matches("^aiaas_[0-9A-Za-z]{46}$"), key.substring(0, 6));
        assertTrue(ApiKeys.isWellFormed(key));
        assertEquals(key.substring(6, 18), ApiKeys.keyId(key));
    }

    @Test
    void checksumIsCrc32InBase62MostSignificantFirstPaddedWithZeros() {
        String random = "0123456789abcdefghijABCDEFGHIJ0123456789";
        CRC32 crc = new CRC32();
        crc.update(random.getBytes(StandardCharsets.US_ASCII));
        long value = crc.getValue();
        StringBuilder expected = new StringBuilder();
        String alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        for (int i = 0; i < 6; i++) {
            expected.insert(0, alphabet.charAt((int) (value % 62)));
            value /= 62;
        }
        assertEquals(expected.toString(), ApiKeys.checksum(random));
        assertTrue(ApiKeys.isWellFormed("aiaas_" + random + expected));
    }

    @Test
    void aMistypedKeyFailsTheChecksum() {
        String key = ApiKeys.generate();
        char c = key.charAt(20);
        String typo = key.substring(0, 20) + (c == 'a' ? 'b' : 'a') + key.substring(21);
        assertFalse(ApiKeys.isWellFormed(typo));
        assertFalse(ApiKeys.isWellFormed(key.substring(0, key.length() - 1)));
        assertFalse(ApiKeys.isWellFormed("sk_" + key.substring(3)));
        assertFalse(ApiKeys.isWellFormed(key.substring(0, 30) + "-" + key.substring(31)));
        assertFalse(ApiKeys.isWellFormed(null));
    }

    @Test
    void keysAreUniqueAndHashesAreStableHex() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            assertTrue(seen.add(ApiKeys.generate()));
        }
        String key = ApiKeys.generate();
        assertEquals(ApiKeys.hash(key), ApiKeys.hash(key));
        assertTrue(ApiKeys.hash(key).matches("^[0-9a-f]{64}$"));
        assertNotEquals(ApiKeys.hash(key), ApiKeys.hash(ApiKeys.generate()));
    }
}
