package io.aiaas.model.api;

import io.aiaas.common.quarkus.openapi.OpenApiChecks;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.model.support.InternalKeysTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * model-service's generated OpenAPI document describes every public operation fully, for the gateway to assemble the
 * public API document from it; the workers' internal endpoints are not in it.
 */
@QuarkusTest
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = {@ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "kafka", value = "true")})
@QuarkusTestResource(InternalKeysTestResource.class)
class OpenApiDocumentTest {

    @Test
    void listsAndDescribesEveryPublicOperation() {
        OpenApiChecks.check(
                Set.of(
                        "POST /v1/models createModel",
                        "GET /v1/models listModels",
                        "GET /v1/models/{name} getModel",
                        "PATCH /v1/models/{name} patchModel",
                        "DELETE /v1/models/{name} deleteModel",
                        "POST /v1/models/{name}/versions uploadModelVersion",
                        "GET /v1/models/{name}/versions listModelVersions",
                        "GET /v1/models/{name}/versions/{version} getModelVersion",
                        "DELETE /v1/models/{name}/versions/{version} deleteModelVersion",
                        "PUT /v1/models/{name}/aliases/{alias} setModelAlias",
                        "DELETE /v1/models/{name}/aliases/{alias} deleteModelAlias",
                        "POST /v1/datasets uploadDataset",
                        "GET /v1/datasets listDatasets",
                        "GET /v1/datasets/{id} getDataset",
                        "DELETE /v1/datasets/{id} deleteDataset",
                        "POST /v1/jobs submitJob",
                        "GET /v1/jobs listJobs",
                        "GET /v1/jobs/{id}/result getJobResult",
                        "GET /v1/jobs/{id} getJob",
                        "POST /v1/jobs/{id}/cancel cancelJob",
                        "GET /admin/v1/workers adminListWorkers",
                        "GET /v1/jobs/{id}/events streamJobEvents",
                        "POST /admin/v1/models adminCreateModel",
                        "GET /admin/v1/models adminListModels",
                        "GET /admin/v1/models/{name} adminGetModel",
                        "PATCH /admin/v1/models/{name} adminPatchModel",
                        "DELETE /admin/v1/models/{name} adminDeleteModel",
                        "POST /admin/v1/models/{name}/versions adminUploadModelVersion",
                        "GET /admin/v1/models/{name}/versions adminListModelVersions",
                        "GET /admin/v1/models/{name}/versions/{version} adminGetModelVersion",
                        "DELETE /admin/v1/models/{name}/versions/{version} adminDeleteModelVersion",
                        "PUT /admin/v1/models/{name}/aliases/{alias} adminSetModelAlias",
                        "DELETE /admin/v1/models/{name}/aliases/{alias} adminDeleteModelAlias",
                        "GET /admin/v1/tenants/{id}/purge adminGetTenantPurge"),
                Set.of("Models", "Jobs", "Admin catalogue", "Admin workers", "Admin tenants"));
    }

    @Test
    void jsonBodiesAndArchiveUploadsAreDescribed() {
        var document = OpenApiChecks.document();
        for (String[] op : new String[][] {
            {"/v1/models", "post", "CreateModel"},
            {"/v1/jobs", "post", "SubmitJob"},
            {"/v1/models/{name}", "patch", "PatchModel"}
        }) {
            var schema = document.path("paths")
                    .path(op[0])
                    .path(op[1])
                    .path("requestBody")
                    .path("content")
                    .path("application/json")
                    .path("schema")
                    .path("$ref")
                    .asText();
            org.junit.jupiter.api.Assertions.assertTrue(schema.endsWith("/" + op[2]), op[0] + ": " + schema);
        }
        org.junit.jupiter.api.Assertions.assertTrue(document.path("components")
                .path("schemas")
                .path("SubmitJob")
                .path("properties")
                .has("inputs"));
    }

    @Test
    void archiveUploadsTakeZipAndGzip() {
        var document = OpenApiChecks.document();
        for (String path : new String[] {"/v1/models/{name}/versions", "/admin/v1/models/{name}/versions"}) {
            var content = document.path("paths")
                    .path(path)
                    .path("post")
                    .path("requestBody")
                    .path("content");
            org.junit.jupiter.api.Assertions.assertTrue(
                    content.has("application/zip") && content.has("application/gzip"), path + ": " + content);
            org.junit.jupiter.api.Assertions.assertEquals(
                    "binary",
                    content.path("application/zip")
                            .path("schema")
                            .path("format")
                            .asText(),
                    path);
        }
    }
}
