package io.aiaas.gateway.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.auth.InternalTokenSigner;
import io.aiaas.common.auth.Scopes;
import io.aiaas.common.auth.SigningKeys;
import io.aiaas.gateway.config.GatewayConfig;
import io.aiaas.gateway.proxy.Upstream;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The internal tokens the gateway puts on forwarded calls, signed once and reused until they are half spent: an
 * RS256 signature costs far more than the rest of a forwarded call, so it stays off the hot path. A tenant's tokens
 * live with its cached key verification (per key, audience and plan version: a new plan means a new verification);
 * the request id travels in {@code X-Request-Id}, never in the token.
 */
@ApplicationScoped
public class InternalTokenIssuer {

    /** {@code Authorization} value of a signed token, and when to sign anew. */
    record IssuedToken(String authorization, long renewAtNanos) {}

    private record AdministratorAudience(String username, String audience) {}

    private final InternalTokenSigner signer;
    private final long renewalNanos;
    private final LongSupplier nanoClock;
    private final Cache<AdministratorAudience, IssuedToken> administrators;
    private volatile IssuedToken gatewayToTenantService;

    InternalTokenIssuer(InternalTokenSigner signer, Duration renewal, LongSupplier nanoClock) {
        if (renewal.toSeconds() >= signer.ttlSeconds()) {
            throw new IllegalArgumentException("tokens must be renewed before they expire");
        }
        this.signer = signer;
        this.renewalNanos = renewal.toNanos();
        this.nanoClock = nanoClock;
        this.administrators = Caffeine.newBuilder()
                .maximumSize(1_000)
                .expireAfterWrite(renewal)
                .build();
    }

    @Inject
    public InternalTokenIssuer(GatewayConfig config) {
        this(signer(config), config.auth().tokenRenewal(), System::nanoTime);
    }

    private static InternalTokenSigner signer(GatewayConfig config) {
        try {
            return new InternalTokenSigner(
                    InternalToken.ISSUER_GATEWAY,
                    SigningKeys.readPrivateKey(config.auth().signingKeyFile()),
                    config.auth().tokenLifetime().toSeconds(),
                    Clock.systemUTC());
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot read the internal-token signing key (aiaas.gateway.auth.signing-key-file)", e);
        }
    }

    /** {@code Bearer <token>} for a call to {@code upstream} on the caller's behalf. */
    public String authorization(Caller caller, Upstream upstream) {
        if (caller instanceof Caller.Tenant tenant) {
            return forTenant(tenant, upstream);
        }
        Caller.Administrator admin = (Caller.Administrator) caller;
        return administrators
                .asMap()
                .computeIfAbsent(
                        new AdministratorAudience(admin.username(), upstream.audience()),
                        a -> issue(signer.sign(
                                a.audience(),
                                a.username(),
                                null,
                                List.of(),
                                List.of(Scopes.ROLE_PLATFORM_ADMIN),
                                null,
                                null)))
                .authorization();
    }

    /** {@code Bearer <token>} of the gateway itself, for its own calls to tenant-service (key verification). */
    public String gatewayAuthorization() {
        IssuedToken token = gatewayToTenantService;
        if (token == null || nanoClock.getAsLong() - token.renewAtNanos() >= 0) {
            token = issue(signer.sign(
                    InternalToken.AUDIENCE_TENANT_SERVICE,
                    InternalToken.ISSUER_GATEWAY,
                    null,
                    List.of(),
                    List.of(Scopes.ROLE_SERVICE),
                    null,
                    null));
            gatewayToTenantService = token;
        }
        return token.authorization();
    }

    private String forTenant(Caller.Tenant tenant, Upstream upstream) {
        int slot = upstream.ordinal();
        IssuedToken token = tenant.tokens.get(slot);
        if (token == null || nanoClock.getAsLong() - token.renewAtNanos() >= 0) {
            // Two requests may both sign here at a renewal; both tokens are valid, one is kept.
            token = issue(signer.sign(
                    upstream.audience(),
                    tenant.keyId(),
                    tenant.tenantId(),
                    tenant.scopes(),
                    List.of(),
                    null,
                    tenant.plan()));
            tenant.tokens.set(slot, token);
        }
        return token.authorization();
    }

    private IssuedToken issue(String jwt) {
        return new IssuedToken("Bearer " + jwt, nanoClock.getAsLong() + renewalNanos);
    }
}
