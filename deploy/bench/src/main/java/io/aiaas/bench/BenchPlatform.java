package io.aiaas.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.archive.SavedModelArchive;
import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.auth.InternalTokenSigner;
import io.aiaas.common.auth.SigningKeys;
import io.aiaas.common.id.Ids;
import io.aiaas.common.plan.PlanLimits;
import io.aiaas.infra.fixtures.DenseSavedModel;
import io.aiaas.local.Archives;
import io.aiaas.local.PlatformClient;
import io.aiaas.local.PlatformRuntime;
import io.aiaas.local.ServiceProcess.Service;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One packaged build of the platform (this checkout, or an earlier build's checkout) running on fresh embedded
 * infrastructure, with a benchmark tenant on a plan whose limits do not bind, its key and a small model.
 */
final class BenchPlatform implements AutoCloseable {
    static final String MODEL = "bench-linear";
    static final List<String> ALL_SCOPES = List.of(
            "models:read",
            "models:write",
            "datasets:read",
            "datasets:write",
            "jobs:read",
            "jobs:write",
            "predict",
            "usage:read",
            "keys:manage");
    private static final String ADMIN_PASSWORD = "bench-admin";

    final String label;
    final PlatformRuntime runtime;
    final PlatformClient client;
    final String tenantId;
    final String apiKey;
    final String keyId;
    final PlanLimits plan;

    private BenchPlatform(
            String label, PlatformRuntime runtime, String tenantId, String apiKey, String keyId, PlanLimits plan) {
        this.label = label;
        this.runtime = runtime;
        this.client = new PlatformClient(runtime.gatewayUrl());
        this.tenantId = tenantId;
        this.apiKey = apiKey;
        this.keyId = keyId;
        this.plan = plan;
    }

    static BenchPlatform start(String label, Path repoRoot) throws Exception {
        Path state = Files.createTempDirectory("aiaas-bench-" + label + "-");
        Map<String, String> env = new LinkedHashMap<>();
        // Embedded infrastructure only: a benchmark never reuses the operator's external services.
        System.getenv().forEach((k, v) -> {
            if (!k.startsWith("AIAAS_")) {
                env.put(k, v);
            }
        });
        PlatformRuntime runtime =
                PlatformRuntime.start(new PlatformRuntime.Options(repoRoot, state, false, ADMIN_PASSWORD, false, env));
        try {
            PlatformClient client = new PlatformClient(runtime.gatewayUrl());
            String admin = PlatformClient.passwordGrant(runtime.oidcUrl(), "admin", ADMIN_PASSWORD);
            String plan = "bench-" + Ids.randomBase62(6).toLowerCase();
            Map<String, Object> limits = new LinkedHashMap<>();
            limits.put("name", plan);
            limits.put("requestsPerSecond", 1_000_000);
            limits.put("burst", 1_000_000);
            limits.put("concurrentJobs", 1_000);
            limits.put("monthlyComputeUnits", 1_000_000_000_000L);
            limits.put("maxRequestBytes", 33_554_432L);
            limits.put("maxModelBytes", 4_294_967_296L);
            limits.put("storageBytes", 1_099_511_627_776L);
            limits.put("maxBatchRows", 100_000_000L);
            expect(client.postJson("/admin/v1/plans", admin, limits), 201, "create the benchmark plan");
            var tenant = client.postJson(
                    "/admin/v1/tenants",
                    admin,
                    Map.of("name", "bench-" + Ids.randomBase62(8).toLowerCase(), "plan", plan));
            expect(tenant, 201, "create the benchmark tenant");
            String tenantId = tenant.json().path("id").asText();
            var key = client.postJson("/admin/v1/tenants/" + tenantId + "/api-keys", admin, Map.of("name", "bench"));
            expect(key, 201, "create the benchmark key");
            JsonNode keyBody = key.json();
            String apiKey = keyBody.path("key").asText();
            Path dir = Files.createTempDirectory("aiaas-bench-model");
            try {
                DenseSavedModel.export(
                        dir.resolve("model"),
                        new float[][] {{1f, 0f, 0.5f}, {0f, 1f, 0.5f}, {1f, 1f, 0f}, {-1f, 0f, 2f}},
                        new float[] {0.5f, -1f, 0f});
                uploadModel(client, apiKey, MODEL, dir.resolve("model"));
            } finally {
                SavedModelArchive.deleteTree(dir);
            }
            PlanLimits planLimits = new PlanLimits(
                    plan,
                    null,
                    1_000_000,
                    1_000_000,
                    1_000,
                    1_000_000_000_000L,
                    33_554_432L,
                    4_294_967_296L,
                    1_099_511_627_776L,
                    100_000_000L);
            return new BenchPlatform(
                    label, runtime, tenantId, apiKey, keyBody.path("keyId").asText(), planLimits);
        } catch (Exception | Error e) {
            runtime.close();
            throw e;
        }
    }

    /** An administrator's access token (password grant of the realm's {@code admin}). */
    String adminToken() throws Exception {
        return PlatformClient.passwordGrant(runtime.oidcUrl(), "admin", ADMIN_PASSWORD);
    }

    String gatewayUrl() {
        return runtime.gatewayUrl();
    }

    String modelServiceUrl() {
        return runtime.service(Service.MODEL).url();
    }

    private String token;
    private long tokenMintedAt;

    /**
     * A valid internal token for model-service on behalf of the benchmark key, signed with this installation's
     * gateway key as the gateway signs it: valid for a minute and renewed after 30 s, so steps of any length hold a
     * valid one.
     */
    synchronized String internalToken() {
        long now = System.nanoTime();
        if (token == null || now - tokenMintedAt > 30_000_000_000L) {
            try {
                PrivateKey key =
                        SigningKeys.readPrivateKey(runtime.stateDir().resolve("secrets/gateway-signing-key.pem"));
                InternalTokenSigner signer =
                        new InternalTokenSigner(InternalToken.ISSUER_GATEWAY, key, 60, Clock.systemUTC());
                token = signer.sign(
                        InternalToken.AUDIENCE_MODEL_SERVICE, keyId, tenantId, ALL_SCOPES, List.of(), null, plan);
            } catch (Exception e) {
                throw new IllegalStateException("cannot sign an internal token", e);
            }
            tokenMintedAt = now;
        }
        return token;
    }

    /** Creates the tenant's model {@code name} and uploads the SavedModel in {@code dir} as a version of it. */
    int uploadModel(String name, Path dir) throws Exception {
        return uploadModel(client, apiKey, name, dir);
    }

    /** Answers the new version's number. */
    private static int uploadModel(PlatformClient client, String apiKey, String name, Path dir) throws Exception {
        expect(client.postJson("/v1/models", apiKey, Map.of("name", name)), 201, "create the model " + name);
        return uploadVersion(client, apiKey, name, Archives.zip(dir));
    }

    /** Creates the tenant's model {@code name} without a version. */
    void createModel(String name) throws Exception {
        expect(client.postJson("/v1/models", apiKey, Map.of("name", name)), 201, "create the model " + name);
    }

    /**
     * Uploads {@code zip} (a SavedModel directory packed by {@link Archives#zip}) as a new version of the tenant's
     * model {@code name}; answers its number once the 201 has arrived.
     */
    int uploadVersion(String name, byte[] zip) throws Exception {
        return uploadVersion(client, apiKey, name, zip);
    }

    private static int uploadVersion(PlatformClient client, String apiKey, String name, byte[] zip) throws Exception {
        PlatformClient.Reply version =
                client.send("POST", "/v1/models/" + name + "/versions", apiKey, "application/zip", zip);
        expect(version, 201, "upload a version of the model " + name);
        return version.json().path("version").asInt();
    }

    private static void expect(PlatformClient.Reply reply, int status, String what) {
        if (reply.status() != status) {
            throw new IllegalStateException("could not " + what + ": HTTP " + reply.status() + " " + reply.body());
        }
    }

    @Override
    public void close() {
        runtime.close();
        SavedModelArchive.deleteTree(runtime.stateDir());
    }
}
