package io.aiaas.gateway.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.json.Json;
import io.aiaas.gateway.proxy.Route;
import io.aiaas.gateway.proxy.RouteTable;
import io.aiaas.gateway.proxy.Upstream;
import io.aiaas.gateway.support.StandIns;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /q/openapi} describes the public API the services serve today: every path and method the gateway forwards
 * to a serving resource, with the scope {@link RouteTable} demands, and nothing internal.
 */
@QuarkusTest
@QuarkusTestResource(StandIns.class)
class OpenApiDocumentTest {

    /** Path → methods, as model-service and tenant-service serve them behind the gateway (plus the problem pages). */
    private static final Map<String, Set<String>> SERVED = new TreeMap<>(Map.ofEntries(
            Map.entry("/v1/models", Set.of("get", "post")),
            Map.entry("/v1/models/{name}", Set.of("get", "patch", "delete")),
            Map.entry("/v1/models/{name}/versions", Set.of("get", "post")),
            Map.entry("/v1/models/{name}/versions/{version}", Set.of("get", "delete")),
            Map.entry("/v1/models/{name}/aliases/{alias}", Set.of("put", "delete")),
            Map.entry("/v1/jobs", Set.of("get", "post")),
            Map.entry("/v1/jobs/{id}", Set.of("get")),
            Map.entry("/v1/api-keys", Set.of("get", "post")),
            Map.entry("/v1/api-keys/{keyId}", Set.of("delete")),
            Map.entry("/v1/usage", Set.of("get")),
            Map.entry("/admin/v1/plans", Set.of("get", "post")),
            Map.entry("/admin/v1/plans/{name}", Set.of("get", "put")),
            Map.entry("/admin/v1/tenants", Set.of("get", "post")),
            Map.entry("/admin/v1/tenants/{id}", Set.of("get", "patch", "delete")),
            Map.entry("/admin/v1/tenants/{id}/suspend", Set.of("post")),
            Map.entry("/admin/v1/tenants/{id}/resume", Set.of("post")),
            Map.entry("/admin/v1/tenants/{id}/api-keys", Set.of("get", "post")),
            Map.entry("/admin/v1/tenants/{id}/api-keys/{keyId}", Set.of("delete")),
            Map.entry("/admin/v1/audit", Set.of("get")),
            Map.entry("/admin/v1/models", Set.of("get", "post")),
            Map.entry("/admin/v1/models/{name}", Set.of("get", "patch", "delete")),
            Map.entry("/admin/v1/models/{name}/versions", Set.of("get", "post")),
            Map.entry("/admin/v1/models/{name}/versions/{version}", Set.of("get", "delete")),
            Map.entry("/admin/v1/models/{name}/aliases/{alias}", Set.of("put", "delete")),
            Map.entry("/problems/{slug}", Set.of("get"))));

    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

    private static JsonNode doc;

    @BeforeEach
    void fetch() throws Exception {
        if (doc != null) {
            return;
        }
        String body = given().queryParam("format", "json")
                .get("/q/openapi")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        doc = Json.mapper().readTree(body);
    }

    @Test
    void isAnOpenApi3DocumentOfThePublicApi() {
        assertTrue(
                doc.path("openapi").asText().startsWith("3."),
                doc.path("openapi").asText());
        assertEquals("AIaaS public API", doc.path("info").path("title").asText());
        assertEquals("1", doc.path("info").path("version").asText());
        assertEquals("/", doc.path("servers").path(0).path("url").asText());
    }

    @Test
    void hasTheSecuritySchemes() {
        JsonNode schemes = doc.path("components").path("securitySchemes");
        assertEquals("http", schemes.path("apiKey").path("type").asText());
        assertEquals("bearer", schemes.path("apiKey").path("scheme").asText());
        assertEquals("apiKey", schemes.path("apiKeyHeader").path("type").asText());
        assertEquals("header", schemes.path("apiKeyHeader").path("in").asText());
        assertEquals("X-API-Key", schemes.path("apiKeyHeader").path("name").asText());
        assertEquals("http", schemes.path("adminToken").path("type").asText());
        assertEquals("bearer", schemes.path("adminToken").path("scheme").asText());
        assertTrue(schemes.path("adminToken").path("description").asText().contains("platform-admin"));
    }

    @Test
    void documentsExactlyThePathsServedToday() {
        Map<String, Set<String>> documented = new TreeMap<>();
        doc.path("paths").fields().forEachRemaining(p -> {
            Set<String> methods = new TreeSet<>();
            p.getValue().fieldNames().forEachRemaining(m -> {
                if (METHODS.contains(m)) {
                    methods.add(m);
                }
            });
            documented.put(p.getKey(), methods);
        });
        Map<String, Set<String>> expected = new TreeMap<>();
        SERVED.forEach((path, methods) -> expected.put(path, new TreeSet<>(methods)));
        assertEquals(expected, documented);
    }

    @Test
    void nothingInternalOrUnservedLeaks() {
        doc.path("paths").fieldNames().forEachRemaining(path -> {
            assertFalse(path.startsWith("/q/") || path.startsWith("/internal"), path);
            assertFalse(
                    path.startsWith("/v2") || path.startsWith("/tfserving") || path.startsWith("/v1/datasets"), path);
            assertFalse(path.contains("/cancel") || path.contains("/events") || path.contains("/result"), path);
        });
        assertFalse(doc.toString().contains("/internal/"), "no internal endpoint is mentioned");
    }

    /** Every documented API path is one the gateway routes, and each operation asks for what the route needs. */
    @Test
    void securityMatchesTheRouteTable() {
        RouteTable routes = new RouteTable();
        doc.path("paths").fields().forEachRemaining(p -> {
            String path = p.getKey();
            String concrete = path.replaceAll("\\{[^}]+}", "x1");
            p.getValue().fields().forEachRemaining(op -> {
                if (!METHODS.contains(op.getKey())) {
                    return;
                }
                String where = op.getKey().toUpperCase() + " " + path;
                JsonNode operation = op.getValue();
                List<String> schemes = new ArrayList<>();
                operation.path("security").forEach(req -> req.fieldNames().forEachRemaining(schemes::add));
                if (path.startsWith("/problems/")) {
                    assertTrue(schemes.isEmpty(), where + " is open to anyone");
                    return;
                }
                Route route = routes.resolve(op.getKey().toUpperCase(), concrete)
                        .orElseThrow(() -> new AssertionError(where + " is not routed by the gateway"));
                assertTrue(route.upstream() != Upstream.PREDICTION, where + " is not served yet");
                if (route.access() == Route.Access.ADMINISTRATOR) {
                    assertEquals(List.of("adminToken"), schemes, where);
                } else {
                    assertEquals(List.of("apiKey", "apiKeyHeader"), schemes, where);
                    assertEquals(
                            route.scope(), operation.path("x-required-scope").asText(), where);
                    assertTrue(operation.path("description").asText().contains("`" + route.scope() + "`"), where);
                }
            });
        });
    }

    @Test
    void responsesCarryRequestIdsLocationsAndProblems() {
        doc.path("paths").fields().forEachRemaining(p -> p.getValue().fields().forEachRemaining(op -> {
            if (!METHODS.contains(op.getKey())) {
                return;
            }
            String where = op.getKey().toUpperCase() + " " + p.getKey();
            op.getValue().path("responses").fields().forEachRemaining(r -> {
                JsonNode response = resolve(r.getValue());
                String status = r.getKey();
                assertTrue(response.path("headers").has("X-Request-Id"), where + " " + status + " X-Request-Id");
                // tenant-service answers a created API key without a Location: there is nothing to read it at
                boolean keyCreation = p.getKey().endsWith("/api-keys");
                if ((status.equals("201") || status.equals("202")) && !keyCreation) {
                    assertTrue(response.path("headers").has("Location"), where + " " + status + " Location");
                }
                if (status.startsWith("4") || status.startsWith("5")) {
                    assertEquals(
                            "#/components/schemas/Problem",
                            response.path("content")
                                    .path("application/problem+json")
                                    .path("schema")
                                    .path("$ref")
                                    .asText(),
                            where + " " + status);
                }
                if (status.equals("503")) {
                    assertTrue(response.path("headers").has("Retry-After"), where + " 503 Retry-After");
                }
            });
        }));
    }

    @Test
    void problemSchemaHasTheRfc9457MembersAndRequestId() {
        JsonNode properties =
                doc.path("components").path("schemas").path("Problem").path("properties");
        for (String member : List.of("type", "title", "status", "detail", "instance", "requestId")) {
            assertTrue(properties.has(member), member);
        }
    }

    @Test
    void jobsUploadsAndListsAreDescribed() {
        JsonNode submit = doc.path("paths").path("/v1/jobs").path("post");
        assertTrue(parameterNames(submit).contains("Idempotency-Key"));
        assertEquals(
                "#/components/schemas/SubmitJob",
                submit.path("requestBody")
                        .path("content")
                        .path("application/json")
                        .path("schema")
                        .path("$ref")
                        .asText());
        assertEquals(
                "#/components/schemas/InferenceRequestInput",
                schema("SubmitJob")
                        .path("properties")
                        .path("inputs")
                        .path("items")
                        .path("$ref")
                        .asText());
        JsonNode list = doc.path("paths").path("/v1/jobs").path("get");
        assertTrue(parameterNames(list).containsAll(List.of("status", "type", "limit", "cursor")));
        assertTrue(parameterNames(doc.path("paths").path("/v1/usage").path("get"))
                .containsAll(List.of("from", "to", "granularity")));

        JsonNode upload = doc.path("paths")
                .path("/v1/models/{name}/versions")
                .path("post")
                .path("requestBody")
                .path("content");
        assertTrue(upload.has("application/zip") && upload.has("application/gzip"));
        assertTrue(schema("ModelVersion").path("properties").has("signatures"));
        assertTrue(schema("ApiKeyCreated").path("properties").has("key"));
        assertFalse(schema("ApiKey").path("properties").has("key"), "listings never carry the secret");
        for (String page : List.of(
                "ModelPage", "ModelVersionPage", "JobPage", "ApiKeyPage", "PlanPage", "TenantPage", "AuditPage")) {
            assertTrue(schema(page).path("properties").has("items"), page);
            assertTrue(schema(page).path("properties").has("nextCursor"), page);
        }
    }

    @Test
    void everyReferenceResolves() {
        List<String> refs = new ArrayList<>();
        collectRefs(doc, refs);
        assertFalse(refs.isEmpty());
        for (String ref : refs) {
            assertTrue(ref.startsWith("#/"), ref);
            assertFalse(doc.at(ref.substring(1)).isMissingNode(), "unresolved " + ref);
        }
    }

    private static JsonNode schema(String name) {
        JsonNode s = doc.path("components").path("schemas").path(name);
        if (s.isMissingNode()) {
            fail("no schema " + name);
        }
        return s;
    }

    private static List<String> parameterNames(JsonNode operation) {
        List<String> names = new ArrayList<>();
        operation
                .path("parameters")
                .forEach(p -> names.add(resolve(p).path("name").asText()));
        return names;
    }

    private static JsonNode resolve(JsonNode node) {
        JsonNode ref = node.get("$ref");
        return ref == null ? node : doc.at(ref.asText().substring(1));
    }

    private static void collectRefs(JsonNode node, List<String> refs) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                if (f.getKey().equals("$ref") && f.getValue().isTextual()) {
                    refs.add(f.getValue().asText());
                } else {
                    collectRefs(f.getValue(), refs);
                }
            }
        } else if (node.isArray()) {
            node.forEach(n -> collectRefs(n, refs));
        }
    }
}
