package io.aiaas.model.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.auth.InternalTokenVerifier;
import io.aiaas.common.auth.Scopes;
import io.aiaas.common.auth.SigningKeys;
import io.aiaas.common.json.Json;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;

/**
 * tenant-service's reservation endpoint as a stand-in HTTP server, for model-service's quota tests. It checks the
 * service token as tenant-service does (model-service's key from the shared JWKS) and answers by the tenant id:
 * {@code ten_spent…} → 429 quota-exceeded, {@code ten_down…} → 503, anything else → 201. What it was asked is
 * readable at {@code GET /calls} (every reservation and release, in order), since tests and this resource may live
 * in different class loaders.
 */
public class StandInTenantService implements QuarkusTestResourceLifecycleManager {
    static final String RETRY_AFTER = "86400";

    private HttpServer server;
    private final ConcurrentLinkedQueue<JsonNode> calls = new ConcurrentLinkedQueue<>();
    private InternalTokenVerifier verifier;

    @Override
    public Map<String, String> start() {
        try {
            var files = InternalKeysTestResource.keyFiles();
            verifier = new InternalTokenVerifier(
                    SigningKeys.readJwks(files.jwks()), InternalToken.AUDIENCE_TENANT_SERVICE);
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setExecutor(Executors.newFixedThreadPool(4));
            server.createContext("/internal/v1/compute/reservations", this::reservations);
            server.createContext("/calls", this::calls);
            server.start();
            return Map.of(
                    "aiaas.model.quota.enabled",
                    "true",
                    "aiaas.model.tenant-service-url",
                    "http://127.0.0.1:" + server.getAddress().getPort(),
                    "aiaas.model.auth.signing-key-file",
                    files.modelServiceKey().toString(),
                    "aiaas.model.quota.queue-allowance",
                    "10m");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private void reservations(HttpExchange exchange) throws IOException {
        try {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            Optional<InternalToken> token =
                    auth == null || !auth.startsWith("Bearer ") ? Optional.empty() : verifier.verify(auth.substring(7));
            if (token.isEmpty()
                    || !InternalToken.ISSUER_MODEL_SERVICE.equals(token.get().iss())
                    || !token.get().hasRole(Scopes.ROLE_SERVICE)) {
                answer(exchange, 401, "{\"status\":401,\"detail\":\"no valid model-service token\"}");
                return;
            }
            if ("DELETE".equals(exchange.getRequestMethod())) {
                String[] parts = exchange.getRequestURI().getPath().split("/");
                var call = Json.mapper().createObjectNode();
                call.put("call", "release");
                call.put("tenantId", parts[parts.length - 2]);
                call.put("reservationId", parts[parts.length - 1]);
                calls.add(call);
                exchange.sendResponseHeaders(204, -1);
                return;
            }
            JsonNode body = Json.mapper().readTree(exchange.getRequestBody());
            var call = body.deepCopy();
            ((com.fasterxml.jackson.databind.node.ObjectNode) call).put("call", "reserve");
            calls.add(call);
            String tenant = body.path("tenantId").asText();
            if (tenant.startsWith("ten_spent")) {
                exchange.getResponseHeaders().add("Retry-After", RETRY_AFTER);
                answer(
                        exchange,
                        429,
                        "{\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\",\"status\":429,"
                                + "\"detail\":\"The monthly compute-unit quota (10) leaves 0 units this month; this"
                                + " work needs 5.\"}");
            } else if (tenant.startsWith("ten_down")) {
                answer(exchange, 503, "{\"status\":503,\"detail\":\"database down\"}");
            } else {
                answer(exchange, 201, body.toString());
            }
        } finally {
            exchange.close();
        }
    }

    private void calls(HttpExchange exchange) throws IOException {
        try {
            ArrayNode all = Json.mapper().createArrayNode();
            calls.forEach(all::add);
            answer(exchange, 200, all.toString());
        } finally {
            exchange.close();
        }
    }

    private static void answer(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders()
                .add("Content-Type", status >= 400 ? "application/problem+json" : "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }
}
