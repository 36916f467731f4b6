package io.aiaas.gateway.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.json.Json;
import io.aiaas.gateway.proxy.Route;
import io.aiaas.gateway.proxy.RouteTable;
import io.aiaas.gateway.support.OpenApiStandIns;
import io.aiaas.gateway.support.StandIns;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /q/openapi} is assembled from the services' own documents (stand-ins here): it covers every route of the
 * gateway's route table, keeps {@code /internal} out, merges the services' components and states the gateway's own
 * security and paths.
 */
@QuarkusTest
@QuarkusTestResource(StandIns.class)
class OpenApiDocumentTest {
    private static final List<String> METHODS = List.of("get", "put", "post", "delete", "patch", "head", "options");
    private final RouteTable routes = new RouteTable();

    @AfterEach
    void reset() throws Exception {
        StandIns.modelService.start();
        StandIns.resetAnswers();
    }

    private static JsonNode document() throws Exception {
        String body = given().queryParam("format", "json")
                .get("/q/openapi")
                .then()
                .statusCode(200)
                .contentType("application/json")
                .extract()
                .asString();
        return Json.mapper().readTree(body);
    }

    @Test
    void coversEveryRouteOfTheRouteTable() throws Exception {
        JsonNode doc = document();
        assertTrue(doc.path("openapi").asText().startsWith("3."));
        assertEquals("AIaaS public API", doc.path("info").path("title").asText());
        List<String> paths = new ArrayList<>();
        doc.path("paths").fieldNames().forEachRemaining(paths::add);
        for (String prefix : routes.prefixes()) {
            assertTrue(
                    paths.stream().anyMatch(p -> p.equals(prefix) || p.startsWith(prefix + "/")),
                    "no documented operation under " + prefix + " in " + paths);
        }
        assertTrue(paths.contains("/v1/models/{name}/versions"), "model-service's paths are there");
        assertTrue(paths.contains("/admin/v1/tenants"), "tenant-service's paths are there");
        assertTrue(paths.contains("/admin/v1/workers"), "the worker fleet, from model-service");
    }

    @Test
    void keepsInternalPathsAndTheirShapesOut() throws Exception {
        JsonNode doc = document();
        assertFalse(doc.toString().contains("/internal"), "nothing internal is mentioned");
        JsonNode schemas = doc.path("components").path("schemas");
        for (String internalOnly :
                List.of("VerifyKey", "VerifiedKeyView", "InternalPlanView", "ClaimRequest", "ClaimAnswer")) {
            assertFalse(schemas.has(internalOnly), internalOnly + " is used only by internal paths");
        }
        // model-service documents /v1/api-keys, which the gateway routes to tenant-service: its version is not kept
        assertFalse(schemas.has("Misrouted"));
        assertEquals(
                "List the tenant's keys",
                doc.path("paths")
                        .path("/v1/api-keys")
                        .path("get")
                        .path("summary")
                        .asText());
    }

    /** Every documented operation is one the gateway routes, and asks for what its route needs. */
    @Test
    void securityFollowsTheRouteTable() throws Exception {
        JsonNode doc = document();
        JsonNode schemes = doc.path("components").path("securitySchemes");
        assertEquals("bearer", schemes.path("apiKey").path("scheme").asText());
        assertEquals("X-API-Key", schemes.path("apiKeyHeader").path("name").asText());
        assertTrue(schemes.path("adminToken").path("description").asText().contains("platform-admin"));
        Iterator<Map.Entry<String, JsonNode>> paths = doc.path("paths").fields();
        while (paths.hasNext()) {
            Map.Entry<String, JsonNode> path = paths.next();
            String concrete = path.getKey().replaceAll("\\{[^}]+}", "x1");
            for (String method : METHODS) {
                JsonNode operation = path.getValue().path(method);
                if (operation.isMissingNode()) {
                    continue;
                }
                String where = method.toUpperCase(Locale.ROOT) + " " + path.getKey();
                List<String> security = new ArrayList<>();
                operation.path("security").forEach(r -> r.fieldNames().forEachRemaining(security::add));
                if (path.getKey().startsWith("/problems/")) {
                    assertTrue(security.isEmpty(), where + " is open to anyone");
                    continue;
                }
                Route route = routes.resolve(method.toUpperCase(Locale.ROOT), concrete)
                        .orElseThrow(() -> new AssertionError(where + " is not routed by the gateway"));
                if (route.access() == Route.Access.ADMINISTRATOR) {
                    assertEquals(List.of("adminToken"), security, where);
                } else {
                    assertEquals(List.of("apiKey", "apiKeyHeader"), security, where);
                    assertEquals(
                            route.scope(), operation.path("x-required-scope").asText(), where);
                    assertTrue(operation.path("description").asText().contains("`" + route.scope() + "`"), where);
                }
                assertTrue(operation.path("responses").has("401"), where + " documents the gateway's 401");
                assertTrue(operation.path("responses").has("429"), where + " documents the failed-auth throttle");
            }
        }
        JsonNode predict = doc.path("paths")
                .path("/v2/models/{name}/versions/{version}/infer")
                .path("post");
        assertTrue(predict.path("responses").has("504"), predict.toString());
        assertFalse(doc.toString().contains("Not served yet"));
        for (String path : List.of(
                "/v2",
                "/v2/health/ready",
                "/v2/models/{name}/ready",
                "/tfserving/v1/models/{name}/labels/{label}/metadata",
                "/tfserving/v1/models/{name}:predict")) {
            assertTrue(doc.path("paths").has(path), path);
        }
    }

    @Test
    void mergesTheServicesComponentsAndEveryReferenceResolves() throws Exception {
        JsonNode doc = document();
        JsonNode schemas = doc.path("components").path("schemas");
        for (String name : List.of("ApiKeyCreated", "TenantPage", "ModelVersion", "SubmitJob")) {
            assertTrue(schemas.has(name), name);
        }
        // Both services define a Problem, differently: each keeps its own under a name of its own.
        assertTrue(schemas.path("Problem").path("properties").has("requestId"));
        assertFalse(schemas.path("Problem").path("properties").has("error"));
        assertTrue(schemas.path("Problem_model").path("properties").has("error"));
        assertEquals(
                "#/components/schemas/Problem_model",
                doc.at("/paths/~1v1~1models/post/responses/409/content/application~1problem+json/schema/$ref")
                        .asText());
        assertTrue(doc.path("components").path("parameters").has("Limit"), "other component kinds are merged too");
        List<String> refs = new ArrayList<>();
        collectRefs(doc, refs);
        assertFalse(refs.isEmpty());
        for (String ref : refs) {
            assertFalse(doc.at(ref.substring(1)).isMissingNode(), "unresolved " + ref);
        }
    }

    @Test
    void servedAsYamlUnlessJsonIsAskedFor() {
        String yaml = given().get("/q/openapi")
                .then()
                .statusCode(200)
                .contentType(org.hamcrest.Matchers.startsWith("application/yaml"))
                .extract()
                .asString();
        assertTrue(yaml.contains("openapi: "), yaml.substring(0, Math.min(200, yaml.length())));
        given().header("Accept", "application/json").get("/q/openapi").then().contentType("application/json");
    }

    /** A service that is down keeps its last good document in use while the others' are fetched anew. */
    @Test
    void aServiceDownKeepsItsLastGoodDocument() throws Exception {
        document();
        StandIns.modelService.stop();
        StandIns.tenantServiceOpenApi = OpenApiStandIns.TENANT_SERVICE.replace(
                "\"/v1/usage\":",
                "\"/v1/usage/export\": {\"get\": {\"responses\": {\"200\": {\"description\": \"CSV\"}}}},\n\"/v1/usage\":");
        JsonNode doc = document();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!doc.path("paths").has("/v1/usage/export") && System.nanoTime() < deadline) {
            Thread.sleep(100);
            doc = document();
        }
        assertTrue(doc.path("paths").has("/v1/usage/export"), "tenant-service's new document is in use");
        assertTrue(doc.path("paths").has("/v1/models/{name}/versions"), "model-service's last good one too");
    }

    private static void collectRefs(JsonNode node, List<String> refs) {
        if (node.isObject()) {
            node.fields().forEachRemaining(f -> {
                if (f.getKey().equals("$ref") && f.getValue().isTextual()) {
                    refs.add(f.getValue().asText());
                } else {
                    collectRefs(f.getValue(), refs);
                }
            });
        } else if (node.isArray()) {
            node.forEach(n -> collectRefs(n, refs));
        }
    }
}
