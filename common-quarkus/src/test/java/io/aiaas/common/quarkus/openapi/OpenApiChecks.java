package io.aiaas.common.quarkus.openapi;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.json.Json;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What a service's OpenAPI document must hold for each public operation, so the gateway can assemble it. */
public final class OpenApiChecks {
    private static final List<String> METHODS = List.of("get", "post", "put", "patch", "delete");

    private OpenApiChecks() {}

    public static JsonNode document() {
        String json = given().queryParam("format", "json")
                .get("/q/openapi")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        return Json.read(json, JsonNode.class);
    }

    /**
     * @param expected {@code "<METHOD> <path> <operationId>"} of every public operation
     * @param tags the tags the operations use, each declared with a description
     */
    public static void check(Set<String> expected, Set<String> tags) {
        JsonNode doc = document();
        Set<String> found = new HashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            assertFalse(path.getKey().startsWith("/internal"), "internal paths stay out: " + path.getKey());
            for (String method : METHODS) {
                JsonNode op = path.getValue().path(method);
                if (op.isMissingNode()) {
                    continue;
                }
                String where = method.toUpperCase() + " " + path.getKey();
                found.add(where + " " + op.path("operationId").asText());
                checkOperation(doc, where, op, path.getKey().startsWith("/v1/"));
            }
        }
        assertEquals(new java.util.TreeSet<>(expected), new java.util.TreeSet<>(found), "the public operations");
        Set<String> declared = new HashSet<>();
        doc.path("tags").forEach(t -> {
            declared.add(t.path("name").asText());
            assertFalse(t.path("description").asText().isBlank(), "tag " + t + " is described");
        });
        assertTrue(declared.containsAll(tags), "tags declared: " + declared);
    }

    private static void checkOperation(JsonNode doc, String where, JsonNode op, boolean tenant) {
        assertFalse(op.path("summary").asText().isBlank(), where + " has a summary");
        assertTrue(op.path("tags").size() > 0, where + " has a tag");
        assertTrue(op.path("security").size() > 0, where + " says who may call it");
        if (tenant) {
            assertTrue(op.path("x-required-scope").isTextual(), where + " names the scope its key needs");
        }
        JsonNode responses = op.path("responses");
        boolean success = false;
        for (Iterator<String> codes = responses.fieldNames(); codes.hasNext(); ) {
            String code = codes.next();
            JsonNode response = resolve(doc, responses.path(code));
            assertFalse(response.path("description").asText().isBlank(), where + " " + code + " is described");
            if (code.startsWith("2")) {
                success = true;
                if (!code.equals("204")) {
                    // JSON, an event stream (text/event-stream) such as a job's events, NDJSON (a batch output) or
                    // CSV (the usage export)
                    JsonNode content = response.path("content");
                    assertTrue(
                            content.path("application/json").has("schema")
                                    || content.path("text/event-stream").has("schema")
                                    || content.path("application/x-ndjson").has("schema")
                                    || content.path("text/csv").has("schema"),
                            where + " " + code + " has a body schema: " + response);
                }
            } else {
                assertTrue(
                        response.path("content")
                                .path("application/problem+json")
                                .path("schema")
                                .path("$ref")
                                .asText()
                                .endsWith("/Problem"),
                        where + " " + code + " is a problem+json: " + response);
            }
        }
        assertTrue(success, where + " has a success response");
        for (String code : List.of("401", "403", "503")) {
            assertTrue(responses.has(code), where + " lists " + code);
        }
        assertTrue(
                resolve(doc, responses.path("503")).path("headers").has("Retry-After"), where + " 503 has Retry-After");
        if (op.has("requestBody")) {
            assertTrue(op.path("requestBody").path("content").size() > 0, where + " describes its body");
        }
    }

    private static JsonNode resolve(JsonNode doc, JsonNode node) {
        String ref = node.path("$ref").asText(null);
        if (ref == null) {
            return node;
        }
        JsonNode target = doc;
        for (String part : ref.substring(2).split("/")) {
            target = target.path(part);
        }
        assertFalse(target.isMissingNode(), "reference " + ref + " resolves");
        return target;
    }
}
