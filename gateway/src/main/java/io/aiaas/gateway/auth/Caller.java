package io.aiaas.gateway.auth;

import io.aiaas.common.auth.InternalTokenSigner;
import io.aiaas.common.auth.Scopes;
import java.util.List;

/** Who a public request comes from, once authenticated; it becomes the internal token of the forwarded call. */
public sealed interface Caller {

    /** A signed internal token for a call to {@code audience} on this caller's behalf. */
    String internalToken(InternalTokenSigner signer, String audience, String requestId);

    /** A tenant's program or person, through an API key. */
    record Tenant(String keyId, String tenantId, List<String> scopes) implements Caller {
        public Tenant {
            scopes = List.copyOf(scopes);
        }

        public boolean hasScope(String scope) {
            return scopes.contains(scope);
        }

        @Override
        public String internalToken(InternalTokenSigner signer, String audience, String requestId) {
            return signer.sign(audience, keyId, tenantId, scopes, List.of(), requestId);
        }
    }

    /** A platform administrator, through a Keycloak access token with the realm role {@code platform-admin}. */
    record Administrator(String username) implements Caller {
        @Override
        public String internalToken(InternalTokenSigner signer, String audience, String requestId) {
            return signer.sign(audience, username, null, List.of(), List.of(Scopes.ROLE_PLATFORM_ADMIN), requestId);
        }
    }
}
