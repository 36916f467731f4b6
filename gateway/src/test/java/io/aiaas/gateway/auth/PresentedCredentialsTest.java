package io.aiaas.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.auth.ApiKeys;
import org.junit.jupiter.api.Test;

class PresentedCredentialsTest {

    @Test
    void bearerWinsOverHeader() {
        PresentedCredentials c = PresentedCredentials.of("Bearer  abc ", "def");
        assertEquals("abc", c.apiKey());
        assertEquals("def", PresentedCredentials.of(null, " def ").apiKey());
        assertEquals("abc", PresentedCredentials.of("bearer abc", null).apiKey());
    }

    @Test
    void noneAndOtherSchemes() {
        assertTrue(PresentedCredentials.of(null, null).none());
        assertTrue(PresentedCredentials.of("Bearer ", "").none());
        PresentedCredentials basic = PresentedCredentials.of("Basic dXNlcjpwdw==", null);
        assertFalse(basic.none());
        assertFalse(ApiKeys.isWellFormed(basic.apiKey()));
    }

    @Test
    void apiKeysAreRecognisedForTheAdminApi() {
        String key = ApiKeys.generate();
        assertTrue(PresentedCredentials.of("Bearer " + key, null).looksLikeApiKey());
        assertTrue(PresentedCredentials.of(null, "anything").looksLikeApiKey());
        assertFalse(PresentedCredentials.of("Bearer eyJhbGciOi.x.y", null).looksLikeApiKey());
    }

    @Test
    void neverPrintsSecrets() {
        String key = ApiKeys.generate();
        assertFalse(PresentedCredentials.of("Bearer " + key, key).toString().contains(key));
    }
}
