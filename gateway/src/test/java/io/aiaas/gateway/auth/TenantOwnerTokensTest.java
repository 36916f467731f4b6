package io.aiaas.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.auth.ApiKeys;
import org.junit.jupiter.api.Test;

class TenantOwnerTokensTest {

    @Test
    void anOwnersCacheKeyNamesItsTenantAndUserAndNeverLooksLikeAKeyHash() {
        String key = TenantOwnerTokens.cacheKey("ten_abc", "5f0c-42");
        assertTrue(TenantOwnerTokens.isOwnerKey(key));
        assertEquals("ten_abc", TenantOwnerTokens.tenantOf(key));
        assertEquals("5f0c-42", TenantOwnerTokens.subjectOf(key));
        assertFalse(TenantOwnerTokens.isOwnerKey(ApiKeys.hash(ApiKeys.generate())));
    }

    @Test
    void onlyAJwtIsTakenForAToken() {
        assertTrue(TenantOwnerTokens.looksLikeToken("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"));
        assertFalse(TenantOwnerTokens.looksLikeToken(ApiKeys.generate()));
        assertFalse(TenantOwnerTokens.looksLikeToken("not-a-key"));
        assertFalse(TenantOwnerTokens.looksLikeToken("eyJhbGciOiJSUzI1NiJ9"));
        assertFalse(TenantOwnerTokens.looksLikeToken(null));
    }
}
