package io.aiaas.model.support;

import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.auth.InternalTokenSigner;
import io.aiaas.common.auth.Scopes;
import io.aiaas.common.auth.SigningKeys;
import io.aiaas.common.plan.PlanLimits;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** Internal tokens signed as the gateway and the workers sign them. */
public final class Tokens {
    private static InternalTokenSigner gateway;
    private static InternalTokenSigner worker;

    private Tokens() {}

    private static synchronized void init() {
        if (gateway == null) {
            try {
                var files = InternalKeysTestResource.keyFiles();
                gateway = new InternalTokenSigner(
                        InternalToken.ISSUER_GATEWAY, SigningKeys.readPrivateKey(files.gatewayKey()));
                worker = new InternalTokenSigner(
                        InternalToken.ISSUER_WORKER, SigningKeys.readPrivateKey(files.workerKey()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The plan tenants' tokens carry unless a test says otherwise: model archives up to 1 MiB. */
    public static final PlanLimits TEST_PLAN = plan(1024 * 1024, 1024 * 1024);

    /** A plan with the given byte limits and generous others. */
    public static PlanLimits plan(long maxRequestBytes, long maxModelBytes) {
        return new PlanLimits(
                "test", 1L, 50, 100, 4, 1_000_000, maxRequestBytes, maxModelBytes, 100L * 1024 * 1024, 10_000);
    }

    /** {@code Authorization} value for a tenant's API key with all scopes. */
    public static String tenant(String tenantId) {
        return tenant(tenantId, Scopes.ALL);
    }

    public static String tenant(String tenantId, List<String> scopes) {
        return tenant(tenantId, scopes, TEST_PLAN);
    }

    /** As the gateway signs for a key of a tenant on {@code plan}. */
    public static String tenant(String tenantId, List<String> scopes, PlanLimits plan) {
        init();
        return "Bearer "
                + gateway.sign(
                        InternalToken.AUDIENCE_MODEL_SERVICE,
                        "key" + tenantId.hashCode(),
                        tenantId,
                        scopes,
                        List.of(),
                        "req_test",
                        plan);
    }

    public static String admin() {
        init();
        return "Bearer "
                + gateway.sign(
                        InternalToken.AUDIENCE_MODEL_SERVICE,
                        "admin",
                        null,
                        List.of(),
                        List.of(Scopes.ROLE_PLATFORM_ADMIN),
                        "req_test");
    }

    /** A worker acting for {@code tenantId} (null: platform-wide). */
    public static String worker(String tenantId) {
        init();
        return "Bearer "
                + worker.sign(
                        InternalToken.AUDIENCE_MODEL_SERVICE,
                        "worker-test",
                        tenantId,
                        List.of(),
                        List.of(Scopes.ROLE_SERVICE),
                        "req_test");
    }

    /** A tenant token signed by the gateway but for another service. */
    public static String tenantForOtherAudience(String tenantId) {
        init();
        return "Bearer "
                + gateway.sign(
                        InternalToken.AUDIENCE_TENANT_SERVICE, "key", tenantId, Scopes.ALL, List.of(), "req_test");
    }
}
