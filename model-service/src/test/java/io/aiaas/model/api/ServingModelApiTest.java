package io.aiaas.model.api;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.auth.Scopes;
import io.aiaas.common.json.Json;
import io.aiaas.common.oip.Datatype;
import io.aiaas.common.oip.Signature;
import io.aiaas.common.oip.TensorSpec;
import io.aiaas.common.predict.ServingModel;
import io.aiaas.common.predict.ServingModel.ServingVersion;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.model.support.ApiTestSupport;
import io.aiaas.model.support.Archives;
import io.aiaas.model.support.DenseModels;
import io.aiaas.model.support.InternalKeysTestResource;
import io.aiaas.model.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /internal/v1/serving/models/{name}}: what the gateway learns of a model to serve online predictions for a
 * tenant, read back with common's mapper as the gateway reads it.
 */
@QuarkusTest
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = {@ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "kafka", value = "true")})
@QuarkusTestResource(InternalKeysTestResource.class)
class ServingModelApiTest extends ApiTestSupport {
    private static final byte[] DENSE_ZIP = Archives.zip(Archives.entries(DenseModels.dense(), ""));

    /** The dense test model's one signature: x FP32 [-1, 3] → y FP32 [-1, 2]. */
    private static final Signature DENSE_SIGNATURE = new Signature(
            List.of(new TensorSpec("x", Datatype.FP32, List.of(-1L, 3L))),
            List.of(new TensorSpec("y", Datatype.FP32, List.of(-1L, 2L))));

    private static String uniqueName(String prefix) {
        return prefix + "-" + Long.toString(System.nanoTime(), 36);
    }

    private static ServingModel serving(String tenant, String name) {
        String body = as(Tokens.tenant(tenant))
                .get("/internal/v1/serving/models/" + name)
                .then()
                .statusCode(200)
                .contentType("application/json")
                .extract()
                .asString();
        return Json.read(body, ServingModel.class);
    }

    private static void assertNoModel(String authorization, String name) {
        as(authorization)
                .get("/internal/v1/serving/models/" + name)
                .then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("status", equalTo(404));
    }

    private static Instant versionCreatedAt(String authorization, String path) {
        return Instant.parse(
                as(authorization).get(path).then().statusCode(200).extract().path("createdAt"));
    }

    @Test
    void answersATenantsModelWithEveryVersionItsSignaturesAndAliases() {
        String tenant = newTenant();
        String modelId = createModel(tenant, "served");
        upload(tenant, "served", "application/zip", DENSE_ZIP).statusCode(201);
        upload(tenant, "served", "application/zip", DENSE_ZIP).statusCode(201);
        as(Tokens.tenant(tenant))
                .contentType("application/json")
                .body(Map.of("version", 1))
                .put("/v1/models/served/aliases/production")
                .then()
                .statusCode(200);

        ServingModel model = serving(tenant, "served");

        assertEquals(modelId, model.modelId());
        assertEquals("served", model.name());
        assertEquals("tenant", model.owner());
        assertEquals(Map.of("production", 1), model.aliases());
        assertEquals(
                List.of(1, 2),
                model.versions().stream().map(ServingVersion::version).toList());
        for (ServingVersion v : model.versions()) {
            assertEquals(Map.of("serving_default", DENSE_SIGNATURE), v.signatures(), "signatures of v" + v.version());
            assertFalse(v.signatures().containsKey(Signature.INIT_OP));
            assertEquals(
                    versionCreatedAt(Tokens.tenant(tenant), "/v1/models/served/versions/" + v.version()),
                    v.createdAt());
        }
        // the gateway's rule for a call naming no version: the production alias, not the newest
        assertEquals(1, model.defaultVersion().orElseThrow().version());
    }

    @Test
    void servesThePlatformCatalogueToTenantsAndATenantsOwnModelShadowsIt() {
        String name = uniqueName("catalogue");
        String platformId = as(Tokens.admin())
                .contentType("application/json")
                .body(Map.of("name", name))
                .post("/admin/v1/models")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        as(Tokens.admin())
                .contentType("application/zip")
                .body(DENSE_ZIP)
                .post("/admin/v1/models/" + name + "/versions")
                .then()
                .statusCode(201);

        String tenant = newTenant();
        ServingModel catalogue = serving(tenant, name);
        assertEquals(platformId, catalogue.modelId());
        assertEquals("platform", catalogue.owner());
        assertEquals(Map.of(), catalogue.aliases());
        assertEquals(1, catalogue.versions().size());
        assertEquals(
                Map.of("serving_default", DENSE_SIGNATURE),
                catalogue.versions().get(0).signatures());

        // the tenant's own model of that name wins, even before it has a version
        String ownId = createModel(tenant, name);
        ServingModel own = serving(tenant, name);
        assertEquals(ownId, own.modelId());
        assertEquals("tenant", own.owner());
        assertTrue(own.versions().isEmpty());
        assertTrue(own.defaultVersion().isEmpty());

        // other tenants still get the catalogue's
        assertEquals(platformId, serving(newTenant(), name).modelId());
    }

    @Test
    void anotherTenantsModelAndUnknownNamesAreNotFound() {
        String owner = newTenant();
        createModel(owner, "private");
        upload(owner, "private", "application/zip", DENSE_ZIP).statusCode(201);

        assertNoModel(Tokens.tenant(newTenant()), "private");
        assertNoModel(Tokens.tenant(owner), uniqueName("unknown"));
        assertNoModel(Tokens.tenant(owner), "Not_A_Name");
    }

    @Test
    void needsATenantsTokenWithScopePredict() {
        String tenant = newTenant();
        createModel(tenant, "guarded");

        io.restassured.RestAssured.given()
                .get("/internal/v1/serving/models/guarded")
                .then()
                .statusCode(401);
        // a token without a tenant (an administrator's, a worker's for no tenant) finds no tenant's model
        assertNoModel(Tokens.admin(), "guarded");
        assertNoModel(Tokens.worker(null), "guarded");
        as(Tokens.tenant(tenant, List.of(Scopes.MODELS_READ)))
                .get("/internal/v1/serving/models/guarded")
                .then()
                .statusCode(403)
                .contentType("application/problem+json");
        as(Tokens.tenant(tenant, List.of(Scopes.PREDICT)))
                .get("/internal/v1/serving/models/guarded")
                .then()
                .statusCode(200)
                .body("name", equalTo("guarded"));
        as(Tokens.tenantForOtherAudience(tenant))
                .get("/internal/v1/serving/models/guarded")
                .then()
                .statusCode(401);
    }
}
