package io.aiaas.model.api;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.auth.Scopes;
import io.aiaas.common.plan.PlanLimits;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.model.support.ApiTestSupport;
import io.aiaas.model.support.InternalKeysTestResource;
import io.aiaas.model.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** Dataset uploads, reads and deletes against real PostgreSQL: what is stored, and that refusals store nothing. */
@QuarkusTest
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = {@ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "kafka", value = "true")})
@QuarkusTestResource(InternalKeysTestResource.class)
class DatasetApiTest extends ApiTestSupport {

    private static ValidatableResponse post(String token, String query, String encoding, String type, byte[] body) {
        var request = as(token).contentType(type).body(body);
        if (encoding != null) {
            request = request.header("Content-Encoding", encoding);
        }
        return request.post("/v1/datasets" + query).then();
    }

    private static ValidatableResponse csv(String tenant, String name, String label, String csv) {
        return post(
                Tokens.tenant(tenant),
                "?name=" + name + "&label=" + label,
                null,
                "text/csv",
                csv.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aCsvIsStoredWithItsShapeAndServedBack() throws Exception {
        String tenant = newTenant();
        String text = "a,b,label\n1,2.5,3\n-1,0,7\n";
        String id = csv(tenant, "iris-small", "label", text)
                .statusCode(201)
                .header("Location", startsWith("/v1/datasets/ds_"))
                .body("name", equalTo("iris-small"))
                .body("rows", equalTo(2))
                .body("features", equalTo(2))
                .body("labelColumn", equalTo("label"))
                .body("labelMin", equalTo(3))
                .body("labelMax", equalTo(7))
                .body("columns", equalTo(List.of("a", "b", "label")))
                .body("sizeBytes", equalTo(text.length()))
                .body("sha256", equalTo(sha256(text.getBytes(StandardCharsets.UTF_8))))
                .extract()
                .path("id");
        Path file = InternalKeysTestResource.artifactDir()
                .resolve(tenant)
                .resolve("datasets")
                .resolve(id + ".csv");
        assertEquals(text, Files.readString(file));
        as(Tokens.tenant(tenant))
                .get("/v1/datasets/" + id)
                .then()
                .statusCode(200)
                .body("rows", equalTo(2));
        as(Tokens.tenant(tenant)).get("/v1/datasets").then().statusCode(200).body("items.id", equalTo(List.of(id)));

        // Another tenant sees nothing of it; a key without datasets:write cannot upload.
        String other = newTenant();
        as(Tokens.tenant(other)).get("/v1/datasets/" + id).then().statusCode(404);
        as(Tokens.tenant(other)).delete("/v1/datasets/" + id).then().statusCode(404);
        as(Tokens.tenant(other)).get("/v1/datasets").then().statusCode(200).body("items.size()", equalTo(0));
        post(
                        Tokens.tenant(tenant, List.of(Scopes.DATASETS_READ)),
                        "?name=x&label=label",
                        null,
                        "text/csv",
                        text.getBytes(StandardCharsets.UTF_8))
                .statusCode(403);
        as(Tokens.tenant(tenant, List.of(Scopes.MODELS_READ)))
                .get("/v1/datasets/" + id)
                .then()
                .statusCode(403);

        // The worker of a batch job reads the stored CSV, acting for the dataset's tenant only.
        byte[] served = as(Tokens.worker(tenant))
                .get("/internal/v1/datasets/" + id)
                .then()
                .statusCode(200)
                .header("X-Artifact-Sha256", equalTo(sha256(text.getBytes(StandardCharsets.UTF_8))))
                .header("X-Dataset-Label", equalTo("label"))
                .header("X-Dataset-Rows", equalTo(String.valueOf(text.split("\n").length - 1)))
                .extract()
                .asByteArray();
        assertEquals(text, new String(served, StandardCharsets.UTF_8));
        as(Tokens.worker(other)).get("/internal/v1/datasets/" + id).then().statusCode(404);
        as(Tokens.worker(null)).get("/internal/v1/datasets/" + id).then().statusCode(404);
        as(Tokens.tenant(tenant)).get("/internal/v1/datasets/" + id).then().statusCode(403);

        as(Tokens.tenant(tenant)).delete("/v1/datasets/" + id).then().statusCode(204);
        assertFalse(Files.exists(file));
        as(Tokens.tenant(tenant)).get("/v1/datasets/" + id).then().statusCode(404);
    }

    @Test
    void aLargeGzipCsvStreamsThrough() throws Exception {
        String tenant = newTenant();
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        plain.writeBytes("x1,x2,x3,x4,y\n".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 100_000; i++) {
            plain.writeBytes((i + "," + (i % 7) + ".5,-" + (i % 3) + "," + (i * 0.25) + "," + (i % 10) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        byte[] gz = gzip(plain.toByteArray());
        // the plan allows 3 MiB per upload (the service itself 4 MiB in tests); the CSV is about 2.4 MB unpacked
        post(
                        Tokens.tenant(tenant, Scopes.ALL, Tokens.plan(1024 * 1024, 3 * 1024 * 1024)),
                        "?name=big&label=y",
                        "gzip",
                        "text/csv",
                        gz)
                .statusCode(201)
                .body("rows", equalTo(100_000))
                .body("features", equalTo(4))
                .body("labelMin", equalTo(0))
                .body("labelMax", equalTo(9))
                .body("sizeBytes", equalTo(plain.size()))
                .body("sha256", equalTo(sha256(plain.toByteArray())));
        // plain, it is over the plan's maxRequestBytes (1 MiB), which does not bound uploads of datasets
        post(
                        Tokens.tenant(tenant, Scopes.ALL, Tokens.plan(1024 * 1024, 3 * 1024 * 1024)),
                        "?name=big&label=y",
                        null,
                        "text/csv",
                        plain.toByteArray())
                .statusCode(201)
                .body("rows", equalTo(100_000))
                .body("sizeBytes", equalTo(plain.size()));
    }

    @Test
    void everyBadUploadIsAProblemAndStoresNothing() throws Exception {
        String tenant = newTenant();
        String good = "a,y\n1,2\n";
        // the line a CSV problem is on is named (the header is line 1)
        unprocessable(csv(tenant, "d", "y", "a,y\n1,2\nx,3\n"), "Line 3");
        unprocessable(csv(tenant, "d", "label", good), "Line 1");
        unprocessable(csv(tenant, "d", "y", "a,b,y\n1,2,3\n4,5\n"), "Line 3");
        unprocessable(csv(tenant, "d", "y", "a,y\n1,2.5\n"), "Line 2");
        unprocessable(csv(tenant, "d", "y", "a,y\n1,two\n"), "Line 2");
        unprocessable(csv(tenant, "d", "y", ""), "Line 1");
        unprocessable(csv(tenant, "d", "y", "a,y\n"), "Line 2");
        unprocessable(csv(tenant, "Bad_Name", "y", good), "name");
        post(Tokens.tenant(tenant), "?name=d&label=y", null, "text/csv", new byte[] {
                    'a', ',', 'y', '\n', (byte) 0xff, ',', '1', '\n'
                })
                .statusCode(422);
        // unreadable requests
        csv(tenant, "d", "", good).statusCode(400).contentType("application/problem+json");
        post(Tokens.tenant(tenant), "?label=y", null, "text/csv", good.getBytes(StandardCharsets.UTF_8))
                .statusCode(400);
        post(Tokens.tenant(tenant), "?name=d&label=y", "gzip", "text/csv", good.getBytes(StandardCharsets.UTF_8))
                .statusCode(400)
                .contentType("application/problem+json");
        byte[] cut = gzip(("a,y\n" + "1,2\n".repeat(10_000)).getBytes(StandardCharsets.UTF_8));
        post(Tokens.tenant(tenant), "?name=d&label=y", "gzip", "text/csv", java.util.Arrays.copyOf(cut, cut.length / 2))
                .statusCode(400);
        post(Tokens.tenant(tenant), "?name=d&label=y", null, "application/json", good.getBytes(StandardCharsets.UTF_8))
                .statusCode(415)
                .contentType("application/problem+json");
        post(Tokens.tenant(tenant), "?name=d&label=y", "br", "text/csv", good.getBytes(StandardCharsets.UTF_8))
                .statusCode(415);
        // over the plan's storage, counted uncompressed: a small gzip that unpacks past it
        PlanLimits small = new PlanLimits("small", 1L, 50, 100, 4, 1_000_000, 1_000_000, 1_000_000, 5_000, 10_000);
        byte[] bomb = gzip(("a,y\n" + "1,2\n".repeat(5_000)).getBytes(StandardCharsets.UTF_8));
        assertTrue(bomb.length < 5_000, "compressed " + bomb.length);
        post(Tokens.tenant(tenant, Scopes.ALL, small), "?name=d&label=y", "gzip", "text/csv", bomb)
                .statusCode(413)
                .contentType("application/problem+json");

        as(Tokens.tenant(tenant)).get("/v1/datasets").then().statusCode(200).body("items.size()", equalTo(0));
        assertEquals(0, countFiles(InternalKeysTestResource.artifactDir().resolve(tenant)), "files of the tenant");
        assertEquals(0, countFiles(InternalKeysTestResource.artifactDir().resolve(".staging")), "staging leftovers");
    }

    private static void unprocessable(ValidatableResponse response, String detailStart) {
        response.statusCode(422)
                .contentType("application/problem+json")
                .body("detail", org.hamcrest.Matchers.containsString(detailStart));
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
