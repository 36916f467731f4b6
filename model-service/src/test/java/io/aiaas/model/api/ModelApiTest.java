package io.aiaas.model.api;

import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.aiaas.common.auth.Scopes;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.model.support.ApiTestSupport;
import io.aiaas.model.support.Archives;
import io.aiaas.model.support.DenseModels;
import io.aiaas.model.support.InternalKeysTestResource;
import io.aiaas.model.support.TestModels;
import io.aiaas.model.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = {@ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "kafka", value = "true")})
@QuarkusTestResource(InternalKeysTestResource.class)
class ModelApiTest extends ApiTestSupport {

    @Test
    void createsListsAndReadsModels() {
        String tenant = newTenant();
        createModel(tenant, "churn");
        as(Tokens.tenant(tenant))
                .contentType("application/json")
                .body(Map.of("name", "churn"))
                .post("/v1/models")
                .then()
                .statusCode(409)
                .contentType("application/problem+json");
        as(Tokens.tenant(tenant))
                .contentType("application/json")
                .body(Map.of("name", "Bad_Name"))
                .post("/v1/models")
                .then()
                .statusCode(422)
                .body("type", equalTo("/problems/unprocessable"));
        as(Tokens.tenant(tenant))
                .contentType("application/json")
                .body(Map.of("description", "no name"))
                .post("/v1/models")
                .then()
                .statusCode(400);
        as(Tokens.tenant(tenant))
                .contentType("application/json")
                .body("{not json")
                .post("/v1/models")
                .then()
                .statusCode(400)
                .body("requestId", notNullValue());

        as(Tokens.tenant(tenant))
                .get("/v1/models/churn")
                .then()
                .statusCode(200)
                .body("owner", equalTo("tenant"))
                .body("aliases", equalTo(Map.of()))
                .body("latestVersion", nullValue());
        as(Tokens.tenant(tenant))
                .get("/v1/models?limit=1000")
                .then()
                .statusCode(200)
                .body("items.name", hasItem("churn"));
        as(Tokens.tenant(tenant)).get("/v1/models?limit=0").then().statusCode(400);
        as(Tokens.tenant(tenant)).get("/v1/models?cursor=bogus").then().statusCode(400);

        // another tenant sees neither the model nor its name
        String other = newTenant();
        as(Tokens.tenant(other)).get("/v1/models/churn").then().statusCode(404);
        as(Tokens.tenant(other)).get("/v1/models").then().statusCode(200).body("items.name", not(hasItem("churn")));
        // scopes
        as(Tokens.tenant(tenant, List.of(Scopes.MODELS_READ)))
                .contentType("application/json")
                .body(Map.of("name", "nope"))
                .post("/v1/models")
                .then()
                .statusCode(403);
    }

    @Test
    void listsPageByCursor() {
        String tenant = newTenant();
        for (int i = 0; i < 3; i++) {
            createModel(tenant, "paged-" + i);
        }
        String cursor = as(Tokens.tenant(tenant))
                .get("/v1/models?limit=2")
                .then()
                .statusCode(200)
                .body("items.size()", equalTo(2))
                .body("items[0].name", equalTo("paged-2"))
                .extract()
                .path("nextCursor");
        as(Tokens.tenant(tenant))
                .queryParam("limit", 2)
                .queryParam("cursor", cursor)
                .get("/v1/models")
                .then()
                .statusCode(200)
                .body("items[0].name", equalTo("paged-0"));
    }

    @Test
    void uploadsZipAndTarGzOfATensorFlowJavaModel() throws Exception {
        String tenant = newTenant();
        createModel(tenant, "dense");
        byte[] zip = Archives.zip(Archives.entries(DenseModels.dense(), ""));
        upload(tenant, "dense", "application/zip", zip)
                .statusCode(201)
                .header("Location", "/v1/models/dense/versions/1")
                .body("version", equalTo(1))
                .body("status", equalTo("ready"))
                .body("sha256", equalTo(sha256(zip)))
                .body("sizeBytes", equalTo(zip.length))
                .body("signatures.serving_default.inputs[0].name", equalTo("x"))
                .body("signatures.serving_default.inputs[0].datatype", equalTo("FP32"))
                .body("signatures.serving_default.inputs[0].shape", equalTo(List.of(-1, 3)))
                .body("signatures.serving_default.outputs[0].name", equalTo("y"))
                .body("signatures.serving_default.outputs[0].shape", equalTo(List.of(-1, 2)))
                .body("signatures", not(hasKey("__saved_model_init_op")))
                .body("createdAt", notNullValue());

        // under one top-level folder, with ./ prefixes
        byte[] tgz = Archives.tarGz(Archives.entries(DenseModels.dense(), "./export/"));
        upload(tenant, "dense", "application/gzip", tgz)
                .statusCode(201)
                .body("version", equalTo(2))
                .body("sha256", equalTo(sha256(tgz)))
                .body("signatures.serving_default.inputs[0].shape", equalTo(List.of(-1, 3)));
        byte[] dotZip = Archives.zip(Archives.entries(DenseModels.dense(), "./"));
        upload(tenant, "dense", "application/zip", dotZip).statusCode(201).body("version", equalTo(3));

        as(Tokens.tenant(tenant)).get("/v1/models/dense").then().body("latestVersion", equalTo(3));
        as(Tokens.tenant(tenant))
                .get("/v1/models/dense/versions")
                .then()
                .statusCode(200)
                .body("items.version", equalTo(List.of(3, 2, 1)));
        as(Tokens.tenant(tenant))
                .get("/v1/models/dense/versions/2")
                .then()
                .statusCode(200)
                .body("sha256", equalTo(sha256(tgz)));
        as(Tokens.tenant(tenant)).get("/v1/models/dense/versions/9").then().statusCode(404);
        as(Tokens.tenant(newTenant())).get("/v1/models/dense/versions/1").then().statusCode(404);
    }

    @Test
    void uploadsThePythonExportedModel() {
        Path python = TestModels.pythonOrSkip();
        String tenant = newTenant();
        createModel(tenant, "keras");
        byte[] tgz = Archives.tarGz(Archives.entries(python, "model/"));
        upload(tenant, "keras", "application/gzip", tgz)
                .statusCode(201)
                .body(
                        "signatures.keySet()",
                        containsInAnyOrder(
                                "add", "get_const_scalar", "get_const_vector", "get_const_matrix", "get_variable"))
                .body("signatures.add.inputs.name", equalTo(List.of("a", "b")))
                .body("signatures.add.inputs[0].datatype", equalTo("FP32"))
                .body("signatures.add.inputs[0].shape", nullValue())
                .body("signatures.add.outputs[0].name", equalTo("output_0"));
    }

    @Test
    void refusesBadArchivesAndStoresNothing() throws Exception {
        String tenant = newTenant();
        String modelId = createModel(tenant, "bad");
        List<Archives.Entry> model = Archives.entries(DenseModels.dense(), "");

        // not a SavedModel
        upload(tenant, "bad", "application/zip", Archives.zip(List.of(new Archives.Entry("readme.txt", bytes("hi")))))
                .statusCode(422)
                .contentType("application/problem+json");
        // zip slip
        List<Archives.Entry> slip = new ArrayList<>(model);
        slip.add(new Archives.Entry("../../evil.txt", bytes("x")));
        upload(tenant, "bad", "application/zip", Archives.zip(slip)).statusCode(422);
        // symbolic link in a tar
        upload(tenant, "bad", "application/gzip", Archives.tarGz(model, "variables/link", "/etc/passwd"))
                .statusCode(422);
        // garbage
        byte[] garbage = new byte[4096];
        new Random(7).nextBytes(garbage);
        upload(tenant, "bad", "application/zip", garbage).statusCode(422);
        upload(tenant, "bad", "application/gzip", garbage).statusCode(422);
        // unsupported media type
        upload(tenant, "bad", "application/octet-stream", Archives.zip(model))
                .statusCode(415)
                .body("type", equalTo("/problems/unsupported-media-type"));
        // over the limit (1 MiB in tests): the body itself, and an archive that unpacks past it
        byte[] big = new byte[1_100_000];
        new Random(8).nextBytes(big);
        upload(tenant, "bad", "application/zip", big).statusCode(413).contentType("application/problem+json");
        List<Archives.Entry> bomb = new ArrayList<>(model);
        bomb.add(new Archives.Entry("variables/padding.bin", new byte[2_000_000]));
        upload(tenant, "bad", "application/zip", Archives.zip(bomb)).statusCode(413);

        assertNothingStored(tenant, "bad", modelId);
        as(Tokens.tenant(tenant)).get("/v1/models/bad").then().body("latestVersion", nullValue());

        // and the next good upload is version 1
        upload(tenant, "bad", "application/zip", Archives.zip(model))
                .statusCode(201)
                .body("version", equalTo(1));
        // another tenant cannot upload to it
        upload(newTenant(), "bad", "application/zip", Archives.zip(model)).statusCode(404);
    }

    @Test
    void aliasesPointAtVersionsAndProtectThem() {
        String tenant = newTenant();
        createModel(tenant, "aliased");
        byte[] zip = Archives.zip(Archives.entries(DenseModels.dense(), ""));
        upload(tenant, "aliased", "application/zip", zip).statusCode(201);
        upload(tenant, "aliased", "application/zip", zip).statusCode(201);

        as(Tokens.tenant(tenant))
                .contentType("application/json")
                .body(Map.of("version", 1))
                .put("/v1/models/aliased/aliases/production")
                .then()
                .statusCode(200)
                .body("version", equalTo(1));
        as(Tokens.tenant(tenant))
                .contentType("application/json")
                .body(Map.of("version", 7))
                .put("/v1/models/aliased/aliases/staging")
                .then()
                .statusCode(422);
        as(Tokens.tenant(tenant)).get("/v1/models/aliased").then().body("aliases", equalTo(Map.of("production", 1)));
        as(Tokens.tenant(tenant)).delete("/v1/models/aliased/versions/1").then().statusCode(409);
        as(Tokens.tenant(tenant)).delete("/v1/models/aliased/versions/2").then().statusCode(204);
        as(Tokens.tenant(tenant))
                .delete("/v1/models/aliased/aliases/production")
                .then()
                .statusCode(204);
        as(Tokens.tenant(tenant)).delete("/v1/models/aliased/versions/1").then().statusCode(204);
        // numbers are never reused
        upload(tenant, "aliased", "application/zip", zip).statusCode(201).body("version", equalTo(3));
        as(Tokens.tenant(tenant))
                .contentType("application/json")
                .body(Map.of("description", "changed"))
                .patch("/v1/models/aliased")
                .then()
                .statusCode(200)
                .body("description", equalTo("changed"));
        as(Tokens.tenant(tenant)).delete("/v1/models/aliased").then().statusCode(204);
        as(Tokens.tenant(tenant)).get("/v1/models/aliased").then().statusCode(404);
    }

    @Test
    void platformCatalogueIsVisibleToEveryTenant() {
        String name = "catalogue-" + Long.toString(System.nanoTime(), 36);
        as(Tokens.admin())
                .contentType("application/json")
                .body(Map.of("name", name))
                .post("/admin/v1/models")
                .then()
                .statusCode(201)
                .body("owner", equalTo("platform"));
        byte[] zip = Archives.zip(Archives.entries(DenseModels.dense(), ""));
        as(Tokens.admin())
                .contentType("application/zip")
                .body(zip)
                .post("/admin/v1/models/" + name + "/versions")
                .then()
                .statusCode(201);
        String tenant = newTenant();
        as(Tokens.tenant(tenant))
                .get("/v1/models/" + name)
                .then()
                .statusCode(200)
                .body("owner", equalTo("platform"))
                .body("latestVersion", equalTo(1));
        // tenants read it but cannot change it; a tenant's own model of the same name takes precedence
        upload(tenant, name, "application/zip", zip).statusCode(404);
        createModel(tenant, name);
        as(Tokens.tenant(tenant)).get("/v1/models/" + name).then().body("owner", equalTo("tenant"));
        // a tenant's key is not an administrator
        as(Tokens.tenant(tenant)).get("/admin/v1/models").then().statusCode(403);
    }

    @Test
    void refusesCallsWithoutAValidToken() {
        io.restassured.RestAssured.given()
                .get("/v1/models")
                .then()
                .statusCode(401)
                .contentType("application/problem+json");
        as("Bearer not-a-token").get("/v1/models").then().statusCode(401);
        as(Tokens.tenantForOtherAudience(newTenant())).get("/v1/models").then().statusCode(401);
        as(forged()).get("/v1/models").then().statusCode(401);
        io.restassured.RestAssured.given().get("/q/health/ready").then().statusCode(200);
    }

    /** A well-formed token signed with a key nobody trusts. */
    private static String forged() {
        try {
            Path dir = Files.createTempDirectory("forger-");
            var files = io.aiaas.common.auth.InternalKeyFiles.ensure(dir);
            var signer = new io.aiaas.common.auth.InternalTokenSigner(
                    io.aiaas.common.auth.InternalToken.ISSUER_GATEWAY,
                    io.aiaas.common.auth.SigningKeys.readPrivateKey(files.gatewayKey()));
            return "Bearer "
                    + signer.sign(
                            io.aiaas.common.auth.InternalToken.AUDIENCE_MODEL_SERVICE,
                            "k",
                            newTenant(),
                            Scopes.ALL,
                            List.of(),
                            null);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    static void assertSameBytes(byte[] expected, byte[] actual) {
        assertEquals(sha256Quiet(expected), sha256Quiet(actual));
    }

    private static String sha256Quiet(byte[] data) {
        try {
            return sha256(data);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
