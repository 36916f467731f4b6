package io.aiaas.gateway.client;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.http.RequestIds;
import io.aiaas.common.json.Json;
import io.aiaas.common.predict.ServingModel;
import io.aiaas.gateway.auth.Caller;
import io.aiaas.gateway.auth.InternalTokenIssuer;
import io.aiaas.gateway.config.GatewayConfig;
import io.aiaas.gateway.proxy.Upstream;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jboss.logging.Logger;

/**
 * model-service's {@code GET /internal/v1/serving/models/{name}}: what a model name means to a tenant (its own model,
 * else the platform catalogue's) for online prediction. Called with Vert.x's {@link HttpClient} on the event loop, with
 * the tenant's internal token (audience model-service), bounded by {@code predict.metadata.timeout}.
 */
@ApplicationScoped
public class ServingModelClient {
    private static final Logger LOG = Logger.getLogger(ServingModelClient.class);
    static final String PATH = "/internal/v1/serving/models/";

    private final HttpClient http;
    private final InternalTokenIssuer tokens;
    private final String host;
    private final int port;
    private final boolean ssl;
    private final String pathPrefix;
    private final long timeoutMillis;
    private final int retryAfterSeconds;

    public ServingModelClient(Vertx vertx, GatewayConfig config, InternalTokenIssuer tokens) {
        this.tokens = tokens;
        URI base = config.modelServiceUrl();
        this.ssl = "https".equalsIgnoreCase(base.getScheme());
        this.host = base.getHost();
        this.port = base.getPort() > 0 ? base.getPort() : ssl ? 443 : 80;
        String prefix = base.getRawPath() == null ? "" : base.getRawPath();
        this.pathPrefix = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        this.timeoutMillis = config.predict().metadata().timeout().toMillis();
        this.retryAfterSeconds = config.retryAfterSeconds();
        this.http = vertx.httpClientBuilder()
                .with(new HttpClientOptions()
                        .setProtocolVersion(HttpVersion.HTTP_1_1)
                        .setKeepAlive(true)
                        .setTryUseCompression(false))
                .with(new PoolOptions().setHttp1MaxSize(32).setMaxWaitQueueSize(-1))
                .build();
    }

    @PreDestroy
    void close() {
        http.close();
    }

    /**
     * The model {@code name} means to {@code tenant}; empty when it means none (model-service's 404). Fails with a 503
     * {@link ApiException} when model-service cannot answer (down, slow, refusing the gateway's token).
     *
     * @param name a valid model name (checked by the caller, so it needs no escaping)
     */
    public CompletableFuture<Optional<ServingModel>> fetch(Caller.Tenant tenant, String name, String requestId) {
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setHost(host)
                .setPort(port)
                .setSsl(ssl)
                .setURI(pathPrefix + PATH + name)
                .setConnectTimeout(timeoutMillis)
                .setIdleTimeout(timeoutMillis)
                .putHeader(HttpHeaders.AUTHORIZATION, tokens.authorization(tenant, Upstream.MODEL_SERVICE))
                .putHeader(HttpHeaders.ACCEPT, "application/json")
                .putHeader(RequestIds.REQUEST_ID_HEADER, requestId);
        CompletableFuture<Optional<ServingModel>> result = new CompletableFuture<>();
        call(options)
                .recover(failure -> failure instanceof HttpClosedException
                        // a kept-alive connection model-service had just closed: once more, on a new one
                        ? call(options)
                        : Future.failedFuture(failure))
                .onComplete(done -> {
                    if (done.succeeded()) {
                        result.complete(done.result());
                    } else {
                        Throwable cause = done.cause();
                        if (!(cause instanceof ApiException)) {
                            LOG.warnf(
                                    "request %s: model-service's serving metadata cannot be read: %s",
                                    requestId, cause.toString());
                            cause = unavailable();
                        }
                        result.completeExceptionally(cause);
                    }
                });
        return result;
    }

    private Future<Optional<ServingModel>> call(RequestOptions options) {
        return http.request(options).compose(request -> request.send()
                .compose(response -> response.body().map(body -> answer(response.statusCode(), body))));
    }

    private Optional<ServingModel> answer(int status, Buffer body) {
        if (status == 404) {
            return Optional.empty();
        }
        if (status != 200) {
            if (status == 401 || status == 403) {
                LOG.errorf("model-service refused the gateway's internal token (%d) for serving metadata", status);
            } else {
                LOG.warnf("model-service answered %d for serving metadata", status);
            }
            throw unavailable();
        }
        try {
            return Optional.of(Json.mapper().readValue(body.getBytes(), ServingModel.class));
        } catch (IOException e) {
            LOG.errorf(
                    "model-service's serving metadata is unreadable: %s",
                    e.getClass().getSimpleName());
            throw unavailable();
        }
    }

    private ApiException unavailable() {
        return ApiException.unavailable(
                "The model's metadata cannot be read right now; try again shortly.", retryAfterSeconds);
    }
}
