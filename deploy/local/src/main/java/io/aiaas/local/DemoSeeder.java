package io.aiaas.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.archive.SavedModelArchive;
import io.aiaas.infra.fixtures.DenseSavedModel;
import io.aiaas.infra.fixtures.Digits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Seeds the demo through the public API, as an administrator and a tenant would: tenant {@code demo} on plan
 * {@code standard}, a fresh API key (the previous demo key is revoked), model {@code demo-linear} with one version
 * exported here with TensorFlow Java, and datasets of handwritten-like digits drawn here (6,000 to train on, 1,000 to
 * test with), so that the printed commands can train the seed's network with nothing downloaded.
 */
final class DemoSeeder {
    static final String TENANT = "demo";
    static final String MODEL = "demo-linear";
    /** y = x·W + b for x of 4 features and y of 3 outputs. */
    static final float[][] WEIGHTS = {
        {1f, 0f, 0.5f},
        {0f, 1f, 0.5f},
        {1f, 1f, 0f},
        {-1f, 0f, 2f}
    };

    static final float[] BIAS = {0.5f, -1f, 0f};

    static final String DIGITS = "demo-digits";
    static final String DIGITS_TEST = "demo-digits-test";

    /** @param digits the demo's training digits, {@code digitsTest} held-out ones (dataset ids) */
    record Demo(String tenantId, String apiKey, String keyId, String digits, String digitsTest) {}

    private final PlatformClient client;
    private final Path stateDir;

    DemoSeeder(PlatformClient client, Path stateDir) {
        this.client = client;
        this.stateDir = stateDir;
    }

    Demo seed(String adminToken) throws IOException, InterruptedException {
        String tenantId = findOrCreateTenant(adminToken);
        Path keyIdFile = stateDir.resolve("secrets").resolve("demo-key-id");
        if (Files.isRegularFile(keyIdFile)) {
            String previous =
                    Files.readString(keyIdFile, StandardCharsets.US_ASCII).trim();
            var revoked = client.delete("/admin/v1/tenants/" + tenantId + "/api-keys/" + previous, adminToken);
            if (revoked.status() != 204 && revoked.status() != 404) {
                throw new IllegalStateException("could not revoke the previous demo key: " + revoked.status());
            }
        }
        var created = client.postJson(
                "/admin/v1/tenants/" + tenantId + "/api-keys", adminToken, Map.of("name", "demo (local launcher)"));
        expect(created, 201, "create the demo key");
        String key = created.json().path("key").asText();
        String keyId = created.json().path("keyId").asText();
        Files.writeString(keyIdFile, keyId, StandardCharsets.US_ASCII);

        ensureModel(key);
        String digits = ensureDigits(key, DIGITS, 6_000, 1);
        String digitsTest = ensureDigits(key, DIGITS_TEST, 1_000, 2);
        return new Demo(tenantId, key, keyId, digits, digitsTest);
    }

    private String findOrCreateTenant(String adminToken) throws IOException, InterruptedException {
        String cursor = null;
        do {
            var page =
                    client.get("/admin/v1/tenants?limit=100" + (cursor == null ? "" : "&cursor=" + cursor), adminToken);
            expect(page, 200, "list tenants");
            for (JsonNode tenant : page.json().path("items")) {
                if (TENANT.equals(tenant.path("name").asText())) {
                    return tenant.path("id").asText();
                }
            }
            JsonNode next = page.json().path("nextCursor");
            cursor = next.isTextual() ? next.asText() : null;
        } while (cursor != null);
        var created = client.postJson(
                "/admin/v1/tenants",
                adminToken,
                Map.of("name", TENANT, "plan", "standard", "ownerEmail", "demo@example.com"));
        expect(created, 201, "create the demo tenant");
        return created.json().path("id").asText();
    }

    private void ensureModel(String key) throws IOException, InterruptedException {
        var model = client.get("/v1/models/" + MODEL, key);
        if (model.status() == 404) {
            expect(
                    client.postJson(
                            "/v1/models",
                            key,
                            Map.of("name", MODEL, "description", "y = x·W + b: 4 features in, 3 out (demo)")),
                    201,
                    "create the demo model");
        } else {
            expect(model, 200, "read the demo model");
        }
        var versions = client.get("/v1/models/" + MODEL + "/versions", key);
        expect(versions, 200, "list the demo model's versions");
        if (!versions.json().path("items").isEmpty()) {
            return;
        }
        Path dir = Files.createTempDirectory("aiaas-demo-model");
        try {
            DenseSavedModel.export(dir.resolve("model"), WEIGHTS, BIAS);
            byte[] zip = Archives.zip(dir.resolve("model"));
            expect(
                    client.send("POST", "/v1/models/" + MODEL + "/versions", key, "application/zip", zip),
                    201,
                    "upload the demo model");
        } finally {
            SavedModelArchive.deleteTree(dir);
        }
    }

    /**
     * The demo dataset named {@code name}: {@code rows} handwritten-like digits drawn here ({@link Digits}), uploaded
     * once. Its id.
     */
    private String ensureDigits(String key, String name, int rows, long seed) throws IOException, InterruptedException {
        var datasets = client.get("/v1/datasets?limit=100", key);
        expect(datasets, 200, "list the demo datasets");
        for (JsonNode dataset : datasets.json().path("items")) {
            if (name.equals(dataset.path("name").asText())) {
                return dataset.path("id").asText();
            }
        }
        Path csv = Files.createTempFile("aiaas-demo-digits", ".csv");
        try {
            Digits.writeCsv(csv, rows, seed);
            var uploaded =
                    client.upload("/v1/datasets?name=" + name + "&label=" + Digits.LABEL, key, "text/csv", null, csv);
            expect(uploaded, 201, "upload the demo digits");
            return uploaded.json().path("id").asText();
        } finally {
            Files.deleteIfExists(csv);
        }
    }

    private static void expect(PlatformClient.Reply reply, int status, String what) {
        if (reply.status() != status) {
            throw new IllegalStateException("could not " + what + ": HTTP " + reply.status() + " " + reply.body());
        }
    }
}
