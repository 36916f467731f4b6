package io.aiaas.gateway.auth;

import io.aiaas.common.plan.PlanLimits;
import io.aiaas.gateway.client.KeyVerification;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/** Who a public request comes from, once authenticated; it becomes the internal token of the forwarded call. */
public sealed interface Caller {

    /** The attribute of a {@link io.quarkus.security.identity.SecurityIdentity} that holds its caller. */
    String IDENTITY_ATTRIBUTE = "aiaas.caller";

    /**
     * A tenant's program or person, through an API key: one instance per cached verification, so the internal tokens
     * signed for it are cached with it (per key, audience and plan version).
     */
    final class Tenant implements Caller {
        private final KeyVerification verification;
        /** Per {@link io.aiaas.gateway.proxy.Upstream}, by ordinal. */
        final AtomicReferenceArray<InternalTokenIssuer.IssuedToken> tokens;

        public Tenant(KeyVerification verification, int audiences) {
            this.verification = verification;
            this.tokens = new AtomicReferenceArray<>(audiences);
        }

        public String keyId() {
            return verification.keyId();
        }

        public String tenantId() {
            return verification.tenantId();
        }

        public List<String> scopes() {
            return verification.scopes();
        }

        /** The tenant's plan; null when tenant-service named none. */
        public PlanLimits plan() {
            return verification.plan();
        }

        public boolean hasScope(String scope) {
            return verification.scopes().contains(scope);
        }

        @Override
        public String toString() {
            return "Tenant[keyId=" + keyId() + ", tenantId=" + tenantId() + "]";
        }
    }

    /** A platform administrator, through a Keycloak access token with the realm role {@code platform-admin}. */
    record Administrator(String username) implements Caller {}
}
