package io.aiaas.gateway.support;

import com.sun.net.httpserver.HttpExchange;
import io.aiaas.common.json.Json;
import io.aiaas.common.predict.ServingModel;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * model-service's {@code GET /internal/v1/serving/models/{name}} as the stand-in model-service answers it: the
 * tenant's own model of that name (tenant from the internal token's {@code tid}), else the platform's, else 404.
 */
public final class ServingCatalogue {
    public static final String PATH = "/internal/v1/serving/models/";

    /** Tenant id → name → model; tenant id {@link #PLATFORM} for the platform catalogue. */
    private final Map<String, Map<String, ServingModel>> models = new ConcurrentHashMap<>();

    private final Map<String, AtomicInteger> fetches = new ConcurrentHashMap<>();
    private final Map<String, Long> delays = new ConcurrentHashMap<>();

    public static final String PLATFORM = "platform";

    public void put(String tenantId, ServingModel model) {
        models.computeIfAbsent(tenantId, t -> new ConcurrentHashMap<>()).put(model.name(), model);
    }

    /** Answers for {@code name} only after {@code millis}: a slow model-service. */
    public void delay(String name, long millis) {
        delays.put(name, millis);
    }

    /** How many times the gateway asked for {@code name}. */
    public int fetches(String name) {
        AtomicInteger n = fetches.get(name);
        return n == null ? 0 : n.get();
    }

    /** The stand-in model-service's answer: serving metadata here, everything else as the default stand-in does. */
    public void answer(StandInService.Received r, HttpExchange exchange) throws IOException {
        if (!r.path().startsWith(PATH)) {
            StandInService.echo(r, exchange);
            return;
        }
        String name = r.path().substring(PATH.length());
        fetches.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
        Long delay = delays.get(name);
        if (delay != null) {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        String tenantId = r.token().orElseThrow().tid();
        ServingModel model = models.getOrDefault(tenantId, Map.of()).get(name);
        if (model == null) {
            model = models.getOrDefault(PLATFORM, Map.of()).get(name);
        }
        if (model == null) {
            StandInService.respond(
                    exchange,
                    404,
                    "application/problem+json",
                    "{\"type\":\"/problems/not-found\",\"status\":404,\"detail\":\"No such model.\"}");
            return;
        }
        StandInService.respond(exchange, 200, "application/json", Json.write(model));
    }
}
