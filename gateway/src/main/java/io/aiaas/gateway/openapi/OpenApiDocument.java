package io.aiaas.gateway.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.json.Json;
import io.aiaas.gateway.config.GatewayConfig;
import io.aiaas.gateway.proxy.ProblemResponses;
import io.aiaas.gateway.proxy.RouteTable;
import io.aiaas.gateway.proxy.Upstream;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.net.URI;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * {@code GET /q/openapi}: the public document, assembled by {@link OpenApiAssembler} from tenant-service's and
 * model-service's {@code /q/openapi}, fetched when first asked for and again every {@code refresh}. A service that
 * cannot be reached keeps its last good document in use; before any document of a service is known, 503. YAML unless
 * JSON is asked for ({@code ?format=json} or {@code Accept: application/json}), as Quarkus serves it.
 */
@ApplicationScoped
public class OpenApiDocument {
    private static final Logger LOG = Logger.getLogger(OpenApiDocument.class);
    static final String PATH = "/q/openapi";
    private static final ObjectMapper YAML = new YAMLMapper();

    private record Assembled(byte[] json, byte[] yaml, long madeAtNanos) {}

    private final Map<Upstream, URI> services = new EnumMap<>(Upstream.class);
    private final Map<Upstream, JsonNode> lastGood = new ConcurrentHashMap<>();
    private final OpenApiAssembler assembler;
    private final HttpClient http;
    private final long refreshNanos;
    private final long timeoutMillis;
    private final int retryAfterSeconds;
    private volatile Assembled current;
    private volatile Future<Assembled> inFlight;

    public OpenApiDocument(Vertx vertx, GatewayConfig config, RouteTable routes) {
        services.put(Upstream.TENANT_SERVICE, config.tenantServiceUrl());
        services.put(Upstream.MODEL_SERVICE, config.modelServiceUrl());
        this.assembler = new OpenApiAssembler(routes);
        this.http = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) config.timeouts().connect().toMillis())
                .setMaxPoolSize(2));
        this.refreshNanos = config.openapi().refresh().toNanos();
        this.timeoutMillis = config.openapi().timeout().toMillis();
        this.retryAfterSeconds = config.retryAfterSeconds();
    }

    void install(@Observes Router router) {
        router.get(PATH).handler(this::serve);
    }

    @PreDestroy
    void close() {
        http.close();
    }

    private void serve(RoutingContext rc) {
        Assembled now = current;
        if (now != null) {
            if (System.nanoTime() - now.madeAtNanos() > refreshNanos) {
                refresh(); // the copy in hand serves meanwhile
            }
            answer(rc, now);
            return;
        }
        refresh().onComplete(done -> {
            if (done.succeeded()) {
                answer(rc, done.result());
            } else {
                ProblemResponses.send(
                        rc,
                        ApiException.unavailable(
                                "The API description cannot be assembled right now; try again shortly.",
                                retryAfterSeconds));
            }
        });
    }

    private void answer(RoutingContext rc, Assembled document) {
        String format = rc.request().getParam("format");
        String accept = rc.request().getHeader(HttpHeaders.ACCEPT);
        boolean json = "json".equalsIgnoreCase(format)
                || (format == null && accept != null && accept.contains("application/json"));
        rc.response()
                .putHeader(HttpHeaders.CONTENT_TYPE, json ? "application/json" : "application/yaml;charset=UTF-8")
                .end(Buffer.buffer(json ? document.json() : document.yaml()));
    }

    /** One refresh at a time; every service asked, each one's last good document kept when it does not answer. */
    synchronized Future<Assembled> refresh() {
        if (inFlight != null) {
            return inFlight;
        }
        List<Future<JsonNode>> fetches = services.entrySet().stream()
                .map(e -> fetch(e.getKey(), e.getValue()))
                .toList();
        Future<Assembled> assembled = Future.join(fetches).transform(ignored -> {
            synchronized (this) {
                inFlight = null;
            }
            for (Upstream service : services.keySet()) {
                if (!lastGood.containsKey(service)) {
                    return Future.failedFuture("no document of " + service + " yet");
                }
            }
            ObjectNode document = assembler.assemble(new EnumMap<>(lastGood));
            try {
                Assembled made = new Assembled(
                        Json.mapper().writeValueAsBytes(document), YAML.writeValueAsBytes(document), System.nanoTime());
                current = made;
                return Future.succeededFuture(made);
            } catch (IOException e) {
                return Future.failedFuture(e);
            }
        });
        inFlight = assembled;
        return assembled;
    }

    private Future<JsonNode> fetch(Upstream service, URI base) {
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setAbsoluteURI(base.resolve(PATH + "?format=json").toString())
                .setIdleTimeout(timeoutMillis)
                .putHeader(HttpHeaders.ACCEPT, "application/json");
        return http.request(options)
                .compose(request -> request.send())
                .compose(response -> response.statusCode() == 200
                        ? response.body()
                        : Future.failedFuture("HTTP " + response.statusCode()))
                .map(body -> {
                    try {
                        JsonNode document = Json.mapper().readTree(body.getBytes());
                        lastGood.put(service, document);
                        return document;
                    } catch (IOException e) {
                        throw new IllegalStateException("unreadable OpenAPI document", e);
                    }
                })
                .onFailure(failure -> LOG.warnf(
                        "the OpenAPI document of %s could not be fetched (%s); %s",
                        service,
                        failure.getMessage(),
                        lastGood.containsKey(service) ? "its last good copy stays in use" : "none known yet"));
    }
}
