package io.aiaas.tenant.testing;

import io.aiaas.common.auth.InternalKeyFiles;
import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.auth.InternalTokenSigner;
import io.aiaas.common.auth.Scopes;
import io.aiaas.common.auth.SigningKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.eclipse.microprofile.config.ConfigProvider;

/** Internal tokens as the gateway (and impostors) would sign them for the tenant service. */
public final class Tokens {
    public static final String AUDIENCE = InternalToken.AUDIENCE_TENANT_SERVICE;

    private Tokens() {}

    private static InternalKeyFiles files() {
        Path jwks = Path.of(ConfigProvider.getConfig().getValue("aiaas.tenant.auth.jwks-file", String.class));
        try {
            return InternalKeyFiles.ensure(jwks.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static PrivateKey read(Path pem) {
        try {
            return SigningKeys.readPrivateKey(pem);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static InternalTokenSigner gateway() {
        return new InternalTokenSigner(InternalToken.ISSUER_GATEWAY, read(files().gatewayKey()));
    }

    public static String admin() {
        return admin("alice");
    }

    public static String admin(String name) {
        return gateway().sign(AUDIENCE, name, null, List.of(), List.of(Scopes.ROLE_PLATFORM_ADMIN), "req-test-admin");
    }

    /** A tenant's call made with key {@code keyId} holding {@code scopes}. */
    public static String tenant(String tenantId, String keyId, List<String> scopes) {
        return gateway().sign(AUDIENCE, keyId, tenantId, scopes, List.of(), "req-test-tenant");
    }

    public static String tenant(String tenantId, List<String> scopes) {
        return tenant(tenantId, "k-" + tenantId.substring(tenantId.length() - 8), scopes);
    }

    /** The gateway calling on its own behalf, as for key verification. */
    public static String gatewayService() {
        return gateway().sign(AUDIENCE, "aiaas-gateway", null, List.of(), List.of(Scopes.ROLE_SERVICE), "req-verify");
    }

    /** A worker's service token: a real signature, but not the gateway's. */
    public static String workerService() {
        return new InternalTokenSigner(InternalToken.ISSUER_WORKER, read(files().workerKey()))
                .sign(AUDIENCE, "worker-1", null, List.of(), List.of(Scopes.ROLE_SERVICE), "req-worker");
    }

    /** model-service's service token, as it reserves compute units. */
    public static String modelService() {
        return new InternalTokenSigner(InternalToken.ISSUER_MODEL_SERVICE, read(files().modelServiceKey()))
                .sign(AUDIENCE, "model-service", null, List.of(), List.of(Scopes.ROLE_SERVICE), null);
    }

    /** Claims to be the gateway but is signed with a key nobody trusts. */
    public static String forgedAdmin() {
        return new InternalTokenSigner(
                        InternalToken.ISSUER_GATEWAY, SigningKeys.generate().getPrivate())
                .sign(AUDIENCE, "mallory", null, List.of(), List.of(Scopes.ROLE_PLATFORM_ADMIN), "req-forged");
    }

    /** Signed with the worker's key while claiming to be the gateway. */
    public static String adminSignedByWorkerKey() {
        return new InternalTokenSigner(InternalToken.ISSUER_GATEWAY, read(files().workerKey()))
                .sign(AUDIENCE, "mallory", null, List.of(), List.of(Scopes.ROLE_PLATFORM_ADMIN), "req-forged");
    }

    public static String expiredAdmin() {
        Clock past = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-5));
        return new InternalTokenSigner(InternalToken.ISSUER_GATEWAY, read(files().gatewayKey()), 30, past)
                .sign(AUDIENCE, "alice", null, List.of(), List.of(Scopes.ROLE_PLATFORM_ADMIN), "req-expired");
    }

    public static String adminForModelService() {
        return gateway()
                .sign(
                        InternalToken.AUDIENCE_MODEL_SERVICE,
                        "alice",
                        null,
                        List.of(),
                        List.of(Scopes.ROLE_PLATFORM_ADMIN),
                        "req-aud");
    }

    /** A genuine admin token whose claims were changed after signing. */
    public static String tamperedTenantToken(String tenantId, String otherTenantId) {
        String token = tenant(tenantId, List.of(Scopes.KEYS_MANAGE));
        String[] parts = token.split("\\.");
        String claims = new String(java.util.Base64.getUrlDecoder().decode(parts[1]));
        String changed = claims.replace(tenantId, otherTenantId);
        return parts[0] + "."
                + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(changed.getBytes()) + "." + parts[2];
    }
}
