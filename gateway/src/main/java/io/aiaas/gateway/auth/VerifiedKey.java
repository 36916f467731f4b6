package io.aiaas.gateway.auth;

import io.aiaas.gateway.client.KeyVerification;
import io.aiaas.gateway.proxy.Upstream;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import java.util.Set;

/**
 * A cached answer of tenant-service for a live key, with everything a request needs made once: the caller (and its
 * internal tokens) and the security identity.
 *
 * @param loadedAtNanos when tenant-service answered ({@link System#nanoTime()} scale)
 */
record VerifiedKey(KeyVerification verification, Caller.Tenant caller, SecurityIdentity identity, long loadedAtNanos) {

    static VerifiedKey of(KeyVerification verification, long loadedAtNanos) {
        Caller.Tenant caller = new Caller.Tenant(verification, Upstream.values().length);
        SecurityIdentity identity = QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(verification.keyId()))
                .addRoles(Set.copyOf(verification.scopes()))
                .addAttribute(Caller.IDENTITY_ATTRIBUTE, caller)
                .build();
        return new VerifiedKey(verification, caller, identity, loadedAtNanos);
    }
}
