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

    /** Key hash → verifications asked for it. */
    public static final Map<String, AtomicInteger> VERIFY_CALLS_BY_HASH = new ConcurrentHashMap<>();

    /** The free plan as tenant-service answers it (CONTRACT, Seeded plans), with a version. */
    public static final Map<String, Object> FREE_PLAN = plan("free", 1_048_576, 52_428_800);

    /** The OpenAPI documents the stand-ins serve at {@code /q/openapi}, as the real services generate theirs. */
    public static volatile String tenantServiceOpenApi = OpenApiStandIns.TENANT_SERVICE;

    public static volatile String modelServiceOpenApi = OpenApiStandIns.MODEL_SERVICE;

    public static StandInService tenantService;
    public static StandInService modelService;
    public static InternalKeyFiles keyFiles;
    private static Path dir;

    @Override
    public Map<String, String> start() {
        // The JDK server writes a response's head and body apart: without TCP_NODELAY, Nagle and the client's
        // delayed ACK cost 40 ms per answer.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        // Idle connections kept as long as a Quarkus service keeps them, not the JDK server's 30 s.
        System.setProperty("sun.net.httpserver.idleInterval", "1800");
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
        config.put("aiaas.gateway.timeouts.idle", "3s");
        // A loaded 2-core CI machine has taken over 3 s (the default) to answer the first look-up of a burst, failing
        // every request that shared it; no test here is about that timeout.
        config.put("aiaas.gateway.key-verification.timeout", "15s");
        // Small enough that 10,000 made-up keys would evict live ones if they ever entered the live cache.
        config.put("aiaas.gateway.key-cache.max-entries", "1000");
        // Long enough that an attack replayed within the test is still remembered on a slow machine.
        config.put("aiaas.gateway.key-cache.unknown-ttl", "60s");
        config.put("aiaas.gateway.limits.max-body-size", "200M");
        // Every read of /q/openapi starts a refresh; the copy in hand is served meanwhile.
        config.put("aiaas.gateway.openapi.refresh", "0s");
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
        tenantServiceOpenApi = OpenApiStandIns.TENANT_SERVICE;
        modelServiceOpenApi = OpenApiStandIns.MODEL_SERVICE;
        modelService.answerWith(StandIns::modelServiceDefault);
        tenantService.answerWith(StandIns::tenantServiceDefault);
    }

    private static void modelServiceDefault(StandInService.Received r, com.sun.net.httpserver.HttpExchange exchange)
            throws IOException {
        if (r.path().equals("/q/openapi")) {
            StandInService.respond(exchange, 200, "application/json", modelServiceOpenApi);
            return;
        }
        StandInService.echo(r, exchange);
    }

    /** tenant-service: verifies keys from {@link #KEYS}, serves its OpenAPI document, echoes everything else. */
    public static void tenantServiceDefault(StandInService.Received r, com.sun.net.httpserver.HttpExchange exchange)
            throws IOException {
        if (r.path().equals("/q/openapi")) {
            StandInService.respond(exchange, 200, "application/json", tenantServiceOpenApi);
            return;
        }
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
        String hash = body.path("keyHash").asText();
        VERIFY_CALLS_BY_HASH.computeIfAbsent(hash, h -> new AtomicInteger()).incrementAndGet();
        Map<String, Object> answer = KEYS.get(hash);
        if (answer == null) {
            StandInService.respond(
                    exchange, 404, "application/problem+json", "{\"status\":404,\"title\":\"Not found\"}");
        } else {
            StandInService.respond(exchange, 200, "application/json", Json.write(answer));
        }
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
        answer.put("plan", new LinkedHashMap<>(FREE_PLAN));
        KEYS.put(ApiKeys.hash(key), answer);
        return key;
    }

    /** A plan body as tenant-service answers it: the seeded free plan's figures but for the two byte limits. */
    public static Map<String, Object> plan(String name, long maxRequestBytes, long maxModelBytes) {
        Map<String, Object> plan = new LinkedHashMap<>();
        plan.put("name", name);
        plan.put("version", 1);
        plan.put("requestsPerSecond", 5);
        plan.put("burst", 10);
        plan.put("concurrentJobs", 1);
        plan.put("monthlyComputeUnits", 100_000);
        plan.put("maxRequestBytes", maxRequestBytes);
        plan.put("maxModelBytes", maxModelBytes);
        plan.put("storageBytes", 209_715_200L);
        plan.put("maxBatchRows", 10_000);
        return plan;
    }

    /** A key on another plan. */
    public static String registerKey(List<String> scopes, Map<String, Object> plan) {
        String key = registerKey(scopes);
        KEYS.get(ApiKeys.hash(key)).put("plan", plan);
        return key;
    }

    /** The look-ups tenant-service has answered for this key. */
    public static int verifyCalls(String key) {
        AtomicInteger calls = VERIFY_CALLS_BY_HASH.get(ApiKeys.hash(key));
        return calls == null ? 0 : calls.get();
    }

    public static String registerKey(List<String> scopes) {
        return registerKey(scopes, "active", null);
    }

    public static void revoke(String key) {
        KEYS.remove(ApiKeys.hash(key));
    }
}
