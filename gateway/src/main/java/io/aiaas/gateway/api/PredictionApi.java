package io.aiaas.gateway.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.ProblemType;
import io.aiaas.common.json.Json;
import io.aiaas.common.oip.OipBodies;
import io.aiaas.common.plan.PlanLimits;
import io.aiaas.common.predict.ServingModel.ServingVersion;
import io.aiaas.common.tfserving.TfServingResponses;
import io.aiaas.gateway.auth.Caller;
import io.aiaas.gateway.predict.OnlinePrediction;
import io.aiaas.gateway.predict.PredictionPath;
import io.aiaas.gateway.predict.ServingModels;
import io.aiaas.gateway.proxy.BoundedBody;
import io.aiaas.gateway.proxy.GatewayRequest;
import io.aiaas.gateway.proxy.ProblemResponses;
import io.netty.buffer.Unpooled;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The prediction protocols' routes — Open Inference Protocol v2 under {@code /v2}, TF Serving's REST API under
 * {@code /tfserving} — for an authenticated tenant holding the {@code predict} scope, on the event loop: reads the path
 * and the (bounded) body, resolves the model through {@link ServingModels}, and answers metadata itself or hands an
 * inference to {@link OnlinePrediction}. Every refusal is problem+json with the protocols' {@code error} member.
 */
@ApplicationScoped
public class PredictionApi {
    private static final Logger LOG = Logger.getLogger(PredictionApi.class);
    private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

    /** Triton's binary tensor data extension announces the JSON part's length in this header. */
    static final String BINARY_EXTENSION_HEADER = "Inference-Header-Content-Length";

    private final ServingModels models;
    private final OnlinePrediction prediction;
    private final String serverVersion;
    private final int retryAfterSeconds;

    public PredictionApi(
            ServingModels models,
            OnlinePrediction prediction,
            @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown") String serverVersion,
            io.aiaas.gateway.config.GatewayConfig config) {
        this.models = models;
        this.prediction = prediction;
        this.serverVersion = serverVersion;
        this.retryAfterSeconds = config.retryAfterSeconds();
    }

    /**
     * Answers {@code rc}'s request (paused when it has a body).
     *
     * @param bodyLimit bytes of body accepted at most (the plan's {@code maxRequestBytes}); a declared length over it
     *     has been refused already
     */
    void handle(RoutingContext rc, Caller.Tenant tenant, boolean hasBody, long bodyLimit) {
        HttpServerRequest in = rc.request();
        PredictionPath path =
                PredictionPath.parse(in.path()).orElseThrow(() -> ApiException.notFound("No such resource."));
        PredictionPath.Call call = path.call();
        if (!call.method().equals(in.method().name())) {
            throw new ApiException(
                            ProblemType.METHOD_NOT_ALLOWED,
                            in.method().name() + " is not allowed here; use " + call.method() + ".")
                    .header("Allow", call.method());
        }
        String requestId = GatewayRequest.requestId(rc);
        switch (call) {
            case SERVER_METADATA -> json(rc, OipBodies.serverMetadata(serverVersion));
            case LIVE -> json(rc, OipBodies.live(true));
            case READY -> {
                if (prediction.ready()) {
                    json(rc, OipBodies.serverReady(true));
                } else {
                    ProblemResponses.send(
                            rc,
                            ApiException.unavailable(
                                            "This gateway cannot take predictions right now; try again shortly.",
                                            retryAfterSeconds)
                                    .extension("ready", false));
                }
            }
            case MODEL_METADATA, MODEL_READY, TF_STATUS, TF_METADATA -> resolve(
                    rc, tenant, path, requestId, resolved -> json(rc, describe(call, resolved)));
            case INFER, TF_PREDICT -> {
                if (in.getHeader(BINARY_EXTENSION_HEADER) != null) {
                    throw ApiException.badRequest("The binary tensor data extension is not supported: send the tensors"
                            + " as JSON 'data' (tritonclient: binary_data=False on inputs and outputs).");
                }
                readBody(
                        rc,
                        tenant,
                        hasBody,
                        bodyLimit,
                        body -> resolve(
                                rc,
                                tenant,
                                path,
                                requestId,
                                resolved -> infer(rc, tenant, call, resolved, body, requestId)));
            }
        }
    }

    private static JsonNode describe(PredictionPath.Call call, ServingModels.Resolved resolved) {
        ServingVersion named = resolved.version();
        return switch (call) {
            case MODEL_METADATA -> {
                // a model without versions has nothing to describe: as an unknown version
                resolved.versionToRun();
                yield OipBodies.modelMetadata(resolved.model(), named, null);
            }
            case MODEL_READY -> {
                ServingVersion version = resolved.versionToRun();
                // every stored version is ready: workers load it on demand
                yield OipBodies.ready(resolved.model().name(), named == null ? null : version.version(), true);
            }
            case TF_STATUS -> {
                if (named == null) {
                    resolved.versionToRun();
                }
                yield TfServingResponses.status(resolved.model(), named == null ? null : named.version());
            }
            case TF_METADATA -> TfServingResponses.metadata(resolved.model(), resolved.versionToRun());
            default -> throw new IllegalArgumentException(call.name());
        };
    }

    private void infer(
            RoutingContext rc,
            Caller.Tenant tenant,
            PredictionPath.Call call,
            ServingModels.Resolved resolved,
            byte[] body,
            String requestId) {
        HttpServerResponse out = rc.response();
        OnlinePrediction.Answer answer = new OnlinePrediction.Answer() {
            @Override
            public void ok(byte[] json) {
                if (!out.ended() && !out.closed()) {
                    out.setStatusCode(200)
                            .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
                            .end(Buffer.buffer(Unpooled.wrappedBuffer(json)));
                }
            }

            @Override
            public void refused(ApiException problem) {
                ProblemResponses.send(rc, problem);
            }

            @Override
            public boolean gone() {
                return out.ended() || out.closed();
            }
        };
        if (call == PredictionPath.Call.INFER) {
            prediction.inferOip(tenant, resolved, body, requestId, GatewayRequest.arrivedNanos(rc), answer);
        } else {
            prediction.predictTfServing(tenant, resolved, body, requestId, GatewayRequest.arrivedNanos(rc), answer);
        }
        // A caller gone before its answer is not billed: its reply, when it comes, is dropped.
        out.closeHandler(closed -> prediction.abandon(requestId));
    }

    /** Resolves the path's model and continues on the request's context; a failure is answered as its problem. */
    private void resolve(
            RoutingContext rc,
            Caller.Tenant tenant,
            PredictionPath path,
            String requestId,
            Consumer<ServingModels.Resolved> next) {
        CompletableFuture<ServingModels.Resolved> resolved = models.resolve(tenant, path, requestId);
        if (resolved.isDone()) {
            // cached: no hop
            settle(rc, resolved, next);
            return;
        }
        Context context = Vertx.currentContext();
        resolved.whenComplete((r, failure) -> {
            if (context == null || Vertx.currentContext() == context) {
                settle(rc, resolved, next);
            } else {
                context.runOnContext(ignored -> settle(rc, resolved, next));
            }
        });
    }

    private static void settle(
            RoutingContext rc,
            CompletableFuture<ServingModels.Resolved> resolved,
            Consumer<ServingModels.Resolved> next) {
        try {
            next.accept(resolved.join());
        } catch (CompletionException e) {
            fail(rc, e.getCause());
        } catch (RuntimeException e) {
            fail(rc, e);
        }
    }

    static void fail(RoutingContext rc, Throwable failure) {
        if (failure instanceof ApiException api) {
            ProblemResponses.send(rc, api);
            return;
        }
        LOG.errorf(failure, "request %s failed", GatewayRequest.requestId(rc));
        ProblemResponses.send(rc, ProblemType.INTERNAL, "The request could not be completed.");
    }

    /** Reads the whole body, at most {@code limit} bytes (413 beyond), then continues with it on this context. */
    private static void readBody(
            RoutingContext rc, Caller.Tenant tenant, boolean hasBody, long limit, Consumer<byte[]> next) {
        HttpServerRequest in = rc.request();
        if (!hasBody) {
            settleBody(rc, new byte[0], next);
            return;
        }
        String declared = in.getHeader(HttpHeaders.CONTENT_LENGTH);
        Buffer body = Buffer.buffer(declared == null ? 4096 : (int) Math.min(Long.parseLong(declared.trim()), limit));
        BoundedBody bounded = new BoundedBody(in, limit, () -> ProblemResponses.send(rc, tooLarge(tenant, limit)));
        bounded.exceptionHandler(failure -> LOG.debugf(
                "request %s: the body could not be read: %s", GatewayRequest.requestId(rc), failure.toString()));
        bounded.handler(body::appendBuffer);
        bounded.endHandler(end -> settleBody(rc, body.getBytes(), next));
        in.resume();
    }

    private static void settleBody(RoutingContext rc, byte[] body, Consumer<byte[]> next) {
        try {
            next.accept(body);
        } catch (RuntimeException e) {
            fail(rc, e);
        }
    }

    private static ApiException tooLarge(Caller.Tenant tenant, long limit) {
        PlanLimits plan = tenant.plan();
        return plan != null && limit == plan.maxRequestBytes()
                ? ApiException.tooLarge("The request body is larger than the plan '" + plan.name()
                        + "' allows (maxRequestBytes " + limit + ").")
                : ApiException.tooLarge("The request body is larger than the gateway accepts (" + limit + " bytes).");
    }

    private static void json(RoutingContext rc, JsonNode body) {
        byte[] bytes;
        try {
            bytes = Json.mapper().writeValueAsBytes(body);
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
        rc.response()
                .setStatusCode(200)
                .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
                .end(Buffer.buffer(Unpooled.wrappedBuffer(bytes)));
    }
}
