package io.aiaas.gateway.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.auth.ApiKeys;
import io.aiaas.common.auth.InternalKeyFiles;
import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.auth.InternalTokenVerifier;
import io.aiaas.common.auth.Scopes;
import io.aiaas.common.auth.SigningKeys;
import io.aiaas.common.json.Json;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts the stand-ins for tenant-service and model-service and the internal-token key files, and points the gateway
 * at them. tenant-service's verify endpoint answers from {@link #KEYS}; everything else echoes.
 */
public class StandIns implements QuarkusTestResourceLifecycleManager {
    public static final String TENANT = "ten_standIn000000000000001";

    /** Key hash → the verify answer (tenant-service's JSON body). */
    public static final Map<String, Map<String, Object>> KEYS = new ConcurrentHashMap<>();

    public static final AtomicInteger VERIFY_CALLS = new AtomicInteger();

    public static StandInService tenantService;
    public static StandInService modelService;
    public static InternalKeyFiles keyFiles;
    private static Path dir;

    @Override
    public Map<String, String> start() {
        try {
            dir = Files.createTempDirectory("aiaas-gateway-test");
            keyFiles = InternalKeyFiles.ensure(dir.resolve("secrets"));
            var trusted = SigningKeys.readJwks(keyFiles.jwks());
            tenantService = new StandInService(
                    "tenant-service", new InternalTokenVerifier(trusted, InternalToken.AUDIENCE_TENANT_SERVICE));
            modelService = new StandInService(
                    "model-service", new InternalTokenVerifier(trusted, InternalToken.AUDIENCE_MODEL_SERVICE));
            tenantService.start();
            modelService.start();
            resetAnswers();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> config = new LinkedHashMap<>();
        config.put("aiaas.gateway.tenant-service-url", tenantService.url());
        config.put("aiaas.gateway.model-service-url", modelService.url());
        config.put("aiaas.gateway.auth.signing-key-file", keyFiles.gatewayKey().toString());
        config.put("aiaas.gateway.timeouts.connect", "1s");
        config.put("aiaas.gateway.timeouts.response", "5s");
        return config;
    }

    @Override
    public void stop() {
        if (tenantService != null) {
            tenantService.stop();
        }
        if (modelService != null) {
            modelService.stop();
        }
    }

    /** Back to the default behaviour: verify from {@link #KEYS}, echo everything else. */
    public static void resetAnswers() {
        tenantService.reset();
        modelService.reset();
        tenantService.answerWith((r, exchange) -> {
            if (!r.path().equals("/internal/v1/api-keys/verify")) {
                StandInService.echo(r, exchange);
                return;
            }
            VERIFY_CALLS.incrementAndGet();
            InternalToken token = r.token().orElseThrow();
            if (!token.hasRole(Scopes.ROLE_SERVICE) || !InternalToken.ISSUER_GATEWAY.equals(token.sub())) {
                StandInService.respond(exchange, 403, "application/problem+json", "{\"status\":403}");
                return;
            }
            JsonNode body = Json.mapper().readTree(r.bodyPrefix());
            Map<String, Object> answer = KEYS.get(body.path("keyHash").asText());
            if (answer == null) {
                StandInService.respond(
                        exchange, 404, "application/problem+json", "{\"status\":404,\"title\":\"Not found\"}");
            } else {
                StandInService.respond(exchange, 200, "application/json", Json.write(answer));
            }
        });
    }

    /** A new well-formed key that tenant-service knows, with these scopes and this tenant status. */
    public static String registerKey(List<String> scopes, String tenantStatus, Instant expiresAt) {
        String key = ApiKeys.generate();
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("tenantId", TENANT);
        answer.put("keyId", ApiKeys.keyId(key));
        answer.put("scopes", scopes);
        answer.put("expiresAt", expiresAt == null ? null : Json.format(expiresAt));
        answer.put("tenantStatus", tenantStatus);
        answer.put("plan", Map.of("name", "free", "maxRequestBytes", 1048576));
        KEYS.put(ApiKeys.hash(key), answer);
        return key;
    }

    public static String registerKey(List<String> scopes) {
        return registerKey(scopes, "active", null);
    }

    public static void revoke(String key) {
        KEYS.remove(ApiKeys.hash(key));
    }
}
