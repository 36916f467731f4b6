package io.aiaas.gateway.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.aiaas.gateway.proxy.Route;
import io.aiaas.gateway.proxy.RouteTable;
import io.aiaas.gateway.proxy.Upstream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the gateway's public OpenAPI document from the services' own generated ones: only the paths the gateway
 * routes to the service that documents them (so {@code /internal/**} never appears), their components merged (a name
 * two services use for different schemas is told apart by the service's name) and pruned to what those paths use, the
 * gateway's security schemes on every operation with the scope its route needs, the refusals the gateway itself
 * answers, and the gateway's own paths. A pure function of its inputs.
 */
public final class OpenApiAssembler {
    static final String PROBLEM_SCHEMA = "GatewayProblem";
    static final List<String> HTTP_METHODS = List.of("get", "put", "post", "delete", "patch", "head", "options");
    private static final List<String> COMPONENT_KINDS =
            List.of("schemas", "responses", "parameters", "examples", "requestBodies", "headers", "links", "callbacks");
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final RouteTable routes;

    public OpenApiAssembler(RouteTable routes) {
        this.routes = routes;
    }

    /** The public document from the services' documents, by the service that serves each. */
    public ObjectNode assemble(Map<Upstream, JsonNode> documents) {
        ObjectNode result = JSON.objectNode();
        result.put("openapi", openapiVersion(documents));
        ObjectNode info = result.putObject("info");
        info.put("title", "AIaaS public API");
        info.put("version", "1");
        info.put(
                "description",
                "Every public operation of the platform, as the gateway serves it. Assembled by the gateway from the"
                        + " services' own documents. Tenants authenticate with an API key, administrators with a"
                        + " Keycloak access token carrying the realm role platform-admin. Errors are"
                        + " application/problem+json (RFC 9457) with a requestId.");
        result.putArray("servers").addObject().put("url", "/");
        ObjectNode paths = result.putObject("paths");
        ObjectNode components = JSON.objectNode();
        Map<String, JsonNode> tags = new LinkedHashMap<>();

        for (Map.Entry<Upstream, JsonNode> entry : documents.entrySet()) {
            Upstream upstream = entry.getKey();
            JsonNode document = renameConflicts(entry.getValue().deepCopy(), components, upstream);
            document.path("tags")
                    .forEach(tag -> tags.putIfAbsent(tag.path("name").asText(), tag));
            Iterator<Map.Entry<String, JsonNode>> documented =
                    document.path("paths").fields();
            while (documented.hasNext()) {
                Map.Entry<String, JsonNode> path = documented.next();
                ObjectNode kept = publicOperations(path.getKey(), path.getValue(), upstream);
                if (kept != null) {
                    paths.set(path.getKey(), kept);
                }
            }
            mergeComponents(document.path("components"), components);
        }
        addGatewayPaths(paths);
        result.set("components", components);
        prune(result);
        addGatewayComponents(components);
        if (!tags.isEmpty()) {
            ArrayNode list = result.putArray("tags");
            tags.values().forEach(list::add);
        }
        return result;
    }

    private static String openapiVersion(Map<Upstream, JsonNode> documents) {
        for (JsonNode document : documents.values()) {
            String version = document.path("openapi").asText("");
            if (!version.isEmpty()) {
                return version;
            }
        }
        return "3.0.3";
    }

    /**
     * The operations of one documented path that the gateway forwards to {@code upstream}, each with the gateway's
     * security and refusals; null when none is public.
     */
    private ObjectNode publicOperations(String path, JsonNode item, Upstream upstream) {
        if (!(path.equals("/v1") || path.startsWith("/v1/") || path.startsWith("/admin/v1/"))) {
            return null;
        }
        String concrete = path.replaceAll("\\{[^}]+}", "x1");
        ObjectNode kept = JSON.objectNode();
        Iterator<Map.Entry<String, JsonNode>> fields = item.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String method = field.getKey();
            if (!HTTP_METHODS.contains(method)) {
                kept.set(method, field.getValue()); // path-level parameters, summary…
                continue;
            }
            Route route = routes.resolve(method.toUpperCase(java.util.Locale.ROOT), concrete)
                    .orElse(null);
            if (route == null || route.upstream() != upstream) {
                continue;
            }
            kept.set(method, secured((ObjectNode) field.getValue(), route));
        }
        for (String method : HTTP_METHODS) {
            if (kept.has(method)) {
                return kept;
            }
        }
        return null;
    }

    private static ObjectNode secured(ObjectNode operation, Route route) {
        ArrayNode security = operation.putArray("security");
        if (route.access() == Route.Access.ADMINISTRATOR) {
            security.addObject().putArray("adminToken");
        } else {
            security.addObject().putArray("apiKey");
            security.addObject().putArray("apiKeyHeader");
            operation.put("x-required-scope", route.scope());
            String description = operation.path("description").asText("");
            String needs = "Needs an API key with the scope `" + route.scope() + "`.";
            operation.put("description", description.isEmpty() ? needs : description + "\n\n" + needs);
        }
        ObjectNode responses =
                operation.has("responses") ? (ObjectNode) operation.get("responses") : operation.putObject("responses");
        addResponse(responses, "401", "GatewayUnauthorized");
        addResponse(responses, "403", "GatewayForbidden");
        addResponse(responses, "429", "GatewayTooManyFailedAuthentications");
        if (operation.has("requestBody")) {
            addResponse(responses, "413", "GatewayPayloadTooLarge");
        }
        addResponse(responses, "503", "GatewayUnavailable");
        return operation;
    }

    private static void addResponse(ObjectNode responses, String status, String component) {
        if (!responses.has(status)) {
            responses.putObject(status).put("$ref", "#/components/responses/" + component);
        }
    }

    /**
     * Gives a component that another service already defined differently a name of its own ({@code Name_model}), and
     * points this document's references at it.
     */
    private static JsonNode renameConflicts(JsonNode document, ObjectNode merged, Upstream upstream) {
        Map<String, String> renamed = new HashMap<>();
        for (String kind : COMPONENT_KINDS) {
            JsonNode ours = document.path("components").path(kind);
            JsonNode theirs = merged.path(kind);
            ours.fieldNames().forEachRemaining(name -> {
                if (theirs.has(name) && !theirs.get(name).equals(ours.get(name))) {
                    renamed.put("#/components/" + kind + "/" + name, name + "_" + suffix(upstream));
                }
            });
        }
        if (renamed.isEmpty()) {
            return document;
        }
        rewriteRefs(document, renamed);
        ObjectNode components = (ObjectNode) document.path("components");
        renamed.forEach((ref, newName) -> {
            String[] parts = ref.split("/");
            ObjectNode kind = (ObjectNode) components.get(parts[2]);
            kind.set(newName, kind.remove(parts[3]));
        });
        return document;
    }

    private static String suffix(Upstream upstream) {
        return upstream == Upstream.TENANT_SERVICE ? "tenant" : "model";
    }

    private static void rewriteRefs(JsonNode node, Map<String, String> renamed) {
        if (node.isObject()) {
            ObjectNode object = (ObjectNode) node;
            JsonNode ref = object.get("$ref");
            if (ref != null && ref.isTextual() && renamed.containsKey(ref.asText())) {
                String old = ref.asText();
                object.put("$ref", old.substring(0, old.lastIndexOf('/') + 1) + renamed.get(old));
            }
            object.elements().forEachRemaining(child -> rewriteRefs(child, renamed));
        } else if (node.isArray()) {
            node.elements().forEachRemaining(child -> rewriteRefs(child, renamed));
        }
    }

    private static void mergeComponents(JsonNode from, ObjectNode into) {
        for (String kind : COMPONENT_KINDS) {
            JsonNode entries = from.path(kind);
            if (!entries.isObject() || entries.isEmpty()) {
                continue;
            }
            ObjectNode target = into.has(kind) ? (ObjectNode) into.get(kind) : into.putObject(kind);
            entries.fields().forEachRemaining(e -> target.putIfAbsent(e.getKey(), e.getValue()));
        }
    }

    /** Drops components that no kept path reaches (those of internal endpoints among them). */
    private static void prune(ObjectNode document) {
        ObjectNode components = (ObjectNode) document.get("components");
        Set<String> reached = new LinkedHashSet<>();
        Deque<JsonNode> pending = new ArrayDeque<>();
        pending.add(document.get("paths"));
        while (!pending.isEmpty()) {
            JsonNode node = pending.pop();
            for (String ref : refsIn(node)) {
                if (ref.startsWith("#/components/") && reached.add(ref)) {
                    JsonNode target = document.at(ref.substring(1));
                    if (!target.isMissingNode()) {
                        pending.add(target);
                    }
                }
            }
        }
        for (String kind : COMPONENT_KINDS) {
            JsonNode entries = components.get(kind);
            if (entries == null) {
                continue;
            }
            ((ObjectNode) entries).retain(names(entries, kind, reached));
            if (entries.isEmpty()) {
                components.remove(kind);
            }
        }
    }

    private static List<String> names(JsonNode entries, String kind, Set<String> reached) {
        List<String> names = new java.util.ArrayList<>();
        entries.fieldNames().forEachRemaining(name -> {
            if (reached.contains("#/components/" + kind + "/" + name)) {
                names.add(name);
            }
        });
        return names;
    }

    private static Set<String> refsIn(JsonNode node) {
        Set<String> refs = new LinkedHashSet<>();
        Deque<JsonNode> stack = new ArrayDeque<>();
        stack.push(node);
        while (!stack.isEmpty()) {
            JsonNode n = stack.pop();
            if (n.isObject()) {
                JsonNode ref = n.get("$ref");
                if (ref != null && ref.isTextual()) {
                    refs.add(ref.asText());
                }
                n.elements().forEachRemaining(stack::push);
            } else if (n.isArray()) {
                n.elements().forEachRemaining(stack::push);
            }
        }
        return refs;
    }

    /** Online prediction (Open Inference Protocol v2, TF Serving's REST API) and the problem pages: the gateway's own. */
    private static void addGatewayPaths(ObjectNode paths) {
        String oip = " (Open Inference Protocol v2 REST, as KServe and Triton serve it).";
        predictOperation(
                paths, "/v2", "get", "Server metadata" + oip, "`{\"name\":\"aiaas\",\"version\",\"extensions\":[]}`.");
        predictOperation(paths, "/v2/health/live", "get", "Server liveness" + oip, "`{\"live\":true}`.");
        predictOperation(
                paths,
                "/v2/health/ready",
                "get",
                "Server readiness" + oip,
                "`{\"ready\":true}`; 503 (a problem with `\"ready\":false`) while this gateway cannot take predictions.");
        for (String v : List.of("", "/versions/{version}")) {
            String which = v.isEmpty()
                    ? " Without a version: alias `production` if set, else the newest version."
                    : " `version` is a version number.";
            predictOperation(
                    paths,
                    "/v2/models/{name}" + v,
                    "get",
                    "Model metadata" + oip,
                    "`{\"name\",\"versions\",\"platform\":\"tensorflow_savedmodel\",\"inputs\",\"outputs\","
                            + "\"parameters\":{\"signatures\"}}`, describing the default signature." + which);
            predictOperation(
                    paths,
                    "/v2/models/{name}" + v + "/ready",
                    "get",
                    "Model readiness" + oip,
                    "`{\"name\",\"ready\":true}`: every stored version is ready (workers load it on demand)." + which);
            predictOperation(
                    paths,
                    "/v2/models/{name}" + v + "/infer",
                    "post",
                    "Inference" + oip,
                    "An inference request (`inputs` with `name`, `shape`, `datatype`, `data` flat or nested; optional"
                            + " `id`, `outputs`, `parameters.signature_name`) answered with `model_name`,"
                            + " `model_version`, `id` and `outputs`. Bounded by the plan's `maxRequestBytes` and"
                            + " `maxBatchRows` (413); a tensor that does not fit the signature is a 400; no answer"
                            + " within the deadline is a 504 with `Retry-After`. Billed once per answered call."
                            + which);
        }
        String tf = " (TensorFlow Serving's REST API: a TF Serving client works with this base URL, `/tfserving`).";
        for (String v : List.of("", "/versions/{version}", "/labels/{label}")) {
            predictOperation(
                    paths,
                    "/tfserving/v1/models/{name}" + v,
                    "get",
                    "Model status" + tf,
                    "`{\"model_version_status\":[{\"version\",\"state\":\"AVAILABLE\",\"status\"}]}`; every"
                            + " version without a version or label.");
            predictOperation(
                    paths,
                    "/tfserving/v1/models/{name}" + v + "/metadata",
                    "get",
                    "Model metadata" + tf,
                    "`{\"model_spec\",\"metadata\":{\"signature_def\":…}}` of the version.");
            predictOperation(
                    paths,
                    "/tfserving/v1/models/{name}" + v + ":predict",
                    "post",
                    "Predict" + tf,
                    "Row form `{\"signature_name\"?,\"instances\":[…]}` → `{\"predictions\":[…]}`, columnar"
                            + " `{\"inputs\":…}` → `{\"outputs\":…}`; `{\"b64\":…}` for binary strings. Limits,"
                            + " errors and billing as for the Open Inference Protocol's infer.");
        }

        ObjectNode problems = paths.putObject("/problems/{slug}").putObject("get");
        problems.put("summary", "What a problem type means");
        problems.put("description", "The page a problem body's `type` points to. Open to anyone.");
        problems.putArray("security");
        problems.putArray("parameters").add(pathParameter("slug"));
        ObjectNode responses = problems.putObject("responses");
        ObjectNode page = responses.putObject("200");
        page.put("description", "A short HTML page");
        page.putObject("content").putObject("text/html").putObject("schema").put("type", "string");
        responses.putObject("404").put("$ref", "#/components/responses/GatewayNotFound");
    }

    private static void predictOperation(
            ObjectNode paths, String path, String method, String summary, String description) {
        ObjectNode item = paths.has(path) ? (ObjectNode) paths.get(path) : paths.putObject(path);
        ObjectNode operation = item.putObject(method);
        // the summary is the phrase before the protocol's name in parentheses
        operation.put("summary", summary.substring(0, summary.indexOf(" (")));
        operation.put(
                "description",
                summary + " " + description + "\n\nNeeds an API key with the scope `predict`. Every error is"
                        + " problem+json with the protocol's `error` member as well.");
        operation.put("x-required-scope", "predict");
        ArrayNode parameters = operation.putArray("parameters");
        for (String name : List.of("name", "version", "label")) {
            if (path.contains("{" + name + "}")) {
                parameters.add(pathParameter(name));
            }
        }
        ArrayNode security = operation.putArray("security");
        security.addObject().putArray("apiKey");
        security.addObject().putArray("apiKeyHeader");
        ObjectNode responses = operation.putObject("responses");
        ObjectNode ok = responses.putObject("200");
        ok.put("description", "The protocol's answer");
        ok.putObject("content")
                .putObject("application/json")
                .putObject("schema")
                .put("type", "object");
        boolean infer = method.equals("post");
        if (infer) {
            operation
                    .putObject("requestBody")
                    .put("required", true)
                    .putObject("content")
                    .putObject("application/json")
                    .putObject("schema")
                    .put("type", "object");
            responses.putObject("400").put("$ref", "#/components/responses/GatewayBadRequest");
        }
        responses.putObject("401").put("$ref", "#/components/responses/GatewayUnauthorized");
        responses.putObject("403").put("$ref", "#/components/responses/GatewayForbidden");
        responses.putObject("404").put("$ref", "#/components/responses/GatewayNotFound");
        responses.putObject("429").put("$ref", "#/components/responses/GatewayTooManyFailedAuthentications");
        if (infer) {
            responses.putObject("413").put("$ref", "#/components/responses/GatewayPayloadTooLarge");
        }
        responses.putObject("503").put("$ref", "#/components/responses/GatewayUnavailable");
        if (infer) {
            responses.putObject("504").put("$ref", "#/components/responses/GatewayDeadlineExceeded");
        }
    }

    private static ObjectNode pathParameter(String name) {
        ObjectNode parameter = JSON.objectNode();
        parameter.put("name", name);
        parameter.put("in", "path");
        parameter.put("required", true);
        parameter.putObject("schema").put("type", "string");
        return parameter;
    }

    /** The security schemes, the problem body and the refusals the gateway answers itself. */
    private static void addGatewayComponents(ObjectNode components) {
        ObjectNode schemes = components.putObject("securitySchemes");
        ObjectNode apiKey = schemes.putObject("apiKey");
        apiKey.put("type", "http");
        apiKey.put("scheme", "bearer");
        apiKey.put("description", "A tenant's API key: `Authorization: Bearer aiaas_…`.");
        ObjectNode header = schemes.putObject("apiKeyHeader");
        header.put("type", "apiKey");
        header.put("in", "header");
        header.put("name", "X-API-Key");
        header.put("description", "A tenant's API key in `X-API-Key`.");
        ObjectNode admin = schemes.putObject("adminToken");
        admin.put("type", "http");
        admin.put("scheme", "bearer");
        admin.put("bearerFormat", "JWT");
        admin.put(
                "description",
                "A Keycloak access token of realm aiaas with the realm role platform-admin (API keys are refused).");

        ObjectNode schemas =
                components.has("schemas") ? (ObjectNode) components.get("schemas") : components.putObject("schemas");
        ObjectNode problem = schemas.putObject(PROBLEM_SCHEMA);
        problem.put("type", "object");
        problem.put("description", "RFC 9457 problem details, as the gateway answers them.");
        ObjectNode properties = problem.putObject("properties");
        for (String member : List.of("type", "title", "detail", "instance", "requestId")) {
            properties.putObject(member).put("type", "string");
        }
        properties.putObject("status").put("type", "integer");

        ObjectNode responses = components.has("responses")
                ? (ObjectNode) components.get("responses")
                : components.putObject("responses");
        gatewayResponse(
                responses,
                "GatewayUnauthorized",
                "Missing, malformed, unknown, expired or revoked credentials.",
                true,
                false);
        gatewayResponse(
                responses,
                "GatewayForbidden",
                "The key lacks the scope (or the token the role), or the tenant is suspended.",
                false,
                false);
        gatewayResponse(responses, "GatewayNotFound", "No such resource.", false, false);
        gatewayResponse(
                responses,
                "GatewayTooManyFailedAuthentications",
                "Too many failed authentications from this address: credentials not already known valid are refused"
                        + " until Retry-After seconds have passed (problem type quota-exceeded).",
                false,
                true);
        gatewayResponse(
                responses,
                "GatewayBadRequest",
                "The body cannot be read, or its tensors do not fit the model's signature.",
                false,
                false);
        gatewayResponse(
                responses,
                "GatewayDeadlineExceeded",
                "No worker answered within the prediction's deadline; nothing was billed.",
                false,
                true);
        gatewayResponse(responses, "GatewayPayloadTooLarge", "The body is larger than the plan allows.", false, false);
        gatewayResponse(
                responses,
                "GatewayUnavailable",
                "A part of the platform is down for a moment; nothing was done.",
                false,
                true);
    }

    private static void gatewayResponse(
            ObjectNode responses, String name, String description, boolean challenge, boolean retryAfter) {
        ObjectNode response = responses.putObject(name);
        response.put("description", description);
        ObjectNode headers = response.putObject("headers");
        headers.putObject("X-Request-Id").putObject("schema").put("type", "string");
        if (challenge) {
            headers.putObject("WWW-Authenticate").putObject("schema").put("type", "string");
        }
        if (retryAfter) {
            headers.putObject("Retry-After").putObject("schema").put("type", "integer");
        }
        response.putObject("content")
                .putObject("application/problem+json")
                .putObject("schema")
                .set("$ref", TextNode.valueOf("#/components/schemas/" + PROBLEM_SCHEMA));
    }
}
