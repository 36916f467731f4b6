package io.aiaas.gateway.predict;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DatabindException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.ProblemType;
import io.aiaas.common.events.UsageData;
import io.aiaas.common.events.UsageEvent;
import io.aiaas.common.json.Json;
import io.aiaas.common.oip.InferenceRequest;
import io.aiaas.common.oip.InputTensor;
import io.aiaas.common.oip.InvalidInputException;
import io.aiaas.common.oip.OipBodies;
import io.aiaas.common.oip.Signature;
import io.aiaas.common.oip.SignatureInputs;
import io.aiaas.common.oip.TensorSpec;
import io.aiaas.common.plan.PlanLimits;
import io.aiaas.common.predict.OutputTensor;
import io.aiaas.common.predict.PredictReply;
import io.aiaas.common.predict.PredictRequest;
import io.aiaas.common.predict.ServingModel;
import io.aiaas.common.predict.ServingModel.ServingVersion;
import io.aiaas.common.tfserving.TfServingRequest;
import io.aiaas.common.tfserving.TfServingRequests;
import io.aiaas.common.tfserving.TfServingResponses;
import io.aiaas.gateway.auth.Caller;
import io.aiaas.gateway.config.GatewayConfig;
import io.aiaas.gateway.limits.ComputeUnitBlocks;
import io.aiaas.gateway.messaging.PredictionExchange;
import io.aiaas.gateway.messaging.UsageRecorder;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * An online prediction, from the caller's body to the answer's bytes: the body is read once into typed tensors and
 * checked against the signature (every refusal a 4xx before anything is sent), the request goes to a worker over
 * Kafka ({@link PredictionExchange}), and a successful reply is answered only after its usage event is acknowledged
 * ({@link UsageRecorder}): exactly one usage event per answered prediction, none for a refused one. Before it is sent,
 * a prediction takes a compute unit of its tenant's month ({@link ComputeUnitBlocks}); a tenant at its quota gets a
 * 429 and nothing reaches a worker.
 *
 * <p>Threads: the checks and the send run on the request's event loop; the reply is rendered and its usage sent on
 * the reply consumer's thread; the answer is written back on the request's context.
 */
@ApplicationScoped
public class OnlinePrediction {
    private static final Logger LOG = Logger.getLogger(OnlinePrediction.class);
    private static final ObjectReader INFERENCE_REQUEST =
            Json.mapper().readerFor(InferenceRequest.class).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** How the answer reaches the caller; both are called on the request's context, one of them once. */
    public interface Answer {
        void ok(byte[] json);

        void refused(ApiException problem);

        /** Whether the caller went away meanwhile (a prediction that waited for compute units is then not sent). */
        default boolean gone() {
            return false;
        }
    }

    /** The reply's body, written off the event loop once the reply is in hand. */
    @FunctionalInterface
    private interface Renderer {
        byte[] render(List<OutputTensor> outputs);
    }

    private final PredictionExchange exchange;
    private final UsageRecorder usage;
    private final ComputeUnitBlocks units;
    private final long deadlineMillis;
    private final double cpuRate;
    private final double gpuRate;
    private final int retryAfterSeconds;

    public OnlinePrediction(
            PredictionExchange exchange, UsageRecorder usage, ComputeUnitBlocks units, GatewayConfig config) {
        this.exchange = exchange;
        this.usage = usage;
        this.units = units;
        this.deadlineMillis = config.predict().deadline().toMillis();
        this.cpuRate = config.rates().cpu();
        this.gpuRate = config.rates().gpu();
        this.retryAfterSeconds = config.retryAfterSeconds();
    }

    /** Whether this replica can take predictions now (it has a reply partition and can send). */
    public boolean ready() {
        return exchange.replyPartition() >= 0;
    }

    /**
     * An Open Inference Protocol infer call ({@code POST /v2/models/{name}[/versions/{v}]/infer}), on the request's
     * event loop.
     *
     * @throws ApiException a refusal (4xx, or 503 when predictions cannot be sent now), before anything was sent
     */
    public void inferOip(
            Caller.Tenant tenant,
            ServingModels.Resolved resolved,
            byte[] body,
            String requestId,
            long arrivedNanos,
            Answer answer) {
        InferenceRequest request = readInferenceRequest(body);
        ServingModel model = resolved.model();
        ServingVersion version = resolved.versionToRun();
        String signatureName;
        Signature signature;
        List<InputTensor> inputs;
        try {
            signatureName = Signature.choose(version.signatures(), request.signatureName());
            signature = version.signatures().get(signatureName);
            inputs = SignatureInputs.decode(signatureName, signature, request.inputs());
        } catch (InvalidInputException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        List<String> outputs = requestedOutputs(request, signatureName, signature);
        String id = request.id();
        int versionNumber = version.version();
        send(
                tenant,
                model,
                versionNumber,
                signatureName,
                inputs,
                outputs,
                requestId,
                arrivedNanos,
                answer,
                replyOutputs -> OipBodies.inferResponseBytes(model.name(), versionNumber, id, replyOutputs));
    }

    /**
     * A TF Serving predict call ({@code POST /tfserving/v1/models/{name}[/versions/{v}|/labels/{l}]:predict}), on the
     * request's event loop.
     *
     * @throws ApiException a refusal, before anything was sent
     */
    public void predictTfServing(
            Caller.Tenant tenant,
            ServingModels.Resolved resolved,
            byte[] body,
            String requestId,
            long arrivedNanos,
            Answer answer) {
        ServingVersion version = resolved.versionToRun();
        String signatureName;
        TfServingRequest request;
        List<InputTensor> inputs;
        try {
            JsonNode tree = TfServingRequests.parse(body);
            signatureName = Signature.choose(version.signatures(), TfServingRequests.signatureName(tree));
            Signature signature = version.signatures().get(signatureName);
            request = TfServingRequests.decode(tree, signatureName, signature);
            inputs = request.tensors(signatureName, signature);
        } catch (InvalidInputException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        boolean columnar = request.columnar();
        send(
                tenant,
                resolved.model(),
                version.version(),
                signatureName,
                inputs,
                List.of(),
                requestId,
                arrivedNanos,
                answer,
                replyOutputs -> TfServingResponses.predictBytes(replyOutputs, columnar));
    }

    /** The caller went away before its answer: a reply that comes is dropped, and nothing is billed. */
    public void abandon(String requestId) {
        exchange.abandon(requestId);
    }

    private static InferenceRequest readInferenceRequest(byte[] body) {
        if (body.length == 0) {
            throw ApiException.badRequest("The request has no body; send an inference request in JSON.");
        }
        InferenceRequest request;
        try {
            request = INFERENCE_REQUEST.readValue(body);
        } catch (StreamReadException e) {
            throw ApiException.badRequest("The body is not valid JSON.");
        } catch (DatabindException e) {
            throw ApiException.badRequest("The body is not an inference request" + where(e) + ".");
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("The body is not valid JSON.");
        } catch (IOException e) {
            throw ApiException.badRequest("The body cannot be read.");
        }
        if (request == null) {
            throw ApiException.badRequest("The body is not an inference request.");
        }
        return request;
    }

    /** Where in the body a member has the wrong JSON type, by member names and indexes (never values). */
    private static String where(DatabindException e) {
        if (!(e instanceof JsonMappingException mapping) || mapping.getPath().isEmpty()) {
            return "";
        }
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : mapping.getPath()) {
            if (ref.getFieldName() != null) {
                String name = ref.getFieldName().replaceAll("[^A-Za-z0-9_.-]", "?");
                path.append(path.length() == 0 ? "" : ".").append(name.length() > 40 ? name.substring(0, 40) : name);
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.length() == 0 ? "" : ": '" + path + "' has the wrong type";
    }

    /** The outputs asked for by name, each once and each the signature's; empty for all of them. */
    private static List<String> requestedOutputs(InferenceRequest request, String signatureName, Signature signature) {
        if (request.outputs() == null || request.outputs().isEmpty()) {
            return List.of();
        }
        List<String> names = new ArrayList<>(request.outputs().size());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < request.outputs().size(); i++) {
            InferenceRequest.RequestedOutput output = request.outputs().get(i);
            if (output == null || output.name() == null) {
                throw ApiException.badRequest("outputs[" + i + "] needs a 'name'.");
            }
            String name = output.name();
            if (signature.output(name).isEmpty()) {
                throw ApiException.badRequest("Signature '" + signatureName + "' has no output '" + abbreviate(name)
                        + "'; its outputs are "
                        + signature.outputs().stream().map(TensorSpec::name).toList() + ".");
            }
            if (!seen.add(name)) {
                throw ApiException.badRequest("Output '" + name + "' is asked for more than once.");
            }
            names.add(name);
        }
        return names;
    }

    private void send(
            Caller.Tenant tenant,
            ServingModel model,
            int version,
            String signatureName,
            List<InputTensor> inputs,
            List<String> outputs,
            String requestId,
            long arrivedNanos,
            Answer answer,
            Renderer renderer) {
        // The deadline counts from the request's arrival at the gateway, not from the send.
        long timeoutMillis = deadlineMillis - (System.nanoTime() - arrivedNanos) / 1_000_000;
        if (timeoutMillis <= 0) {
            throw new ApiException(
                            ProblemType.DEADLINE_EXCEEDED,
                            "The prediction passed its deadline (" + deadlineMillis + " ms) before it could be sent.")
                    .header("Retry-After", String.valueOf(retryAfterSeconds));
        }
        long rows = 0;
        for (InputTensor input : inputs) {
            rows = Math.max(rows, input.batchSize());
        }
        PlanLimits plan = tenant.plan();
        if (plan != null && rows > plan.maxBatchRows()) {
            throw ApiException.tooLarge("The request has " + rows + " rows; the plan '" + plan.name()
                    + "' allows at most " + plan.maxBatchRows() + " (maxBatchRows).");
        }
        if (exchange.replyPartition() < 0) {
            throw ApiException.unavailable(
                    "Online prediction is unavailable on this gateway right now; try again shortly.",
                    retryAfterSeconds);
        }
        long sendRows = rows;
        Consumer<ComputeUnitBlocks.Taken> dispatchWith = unit -> dispatch(
                tenant,
                model,
                version,
                signatureName,
                inputs,
                outputs,
                requestId,
                arrivedNanos,
                answer,
                renderer,
                sendRows,
                unit);
        CompletableFuture<ComputeUnitBlocks.Taken> taken =
                units.take(tenant.tenantId(), plan).toCompletableFuture();
        if (taken.isDone()) {
            // a unit from the block held here: no hop
            dispatchWith.accept(joined(taken));
            return;
        }
        Context context = Vertx.currentContext();
        taken.whenComplete((unit, failure) -> context.runOnContext(ignored -> {
            if (failure != null) {
                answer.refused(problem(failure));
                return;
            }
            if (answer.gone()) {
                units.refund(tenant.tenantId(), unit); // nobody to answer: not sent, not billed
                return;
            }
            try {
                dispatchWith.accept(unit);
            } catch (ApiException e) {
                answer.refused(e);
            }
        }));
    }

    /** Sends the prediction admitted with {@code unit}; a refusal before the send gives the unit back. */
    private void dispatch(
            Caller.Tenant tenant,
            ServingModel model,
            int version,
            String signatureName,
            List<InputTensor> inputs,
            List<String> outputs,
            String requestId,
            long arrivedNanos,
            Answer answer,
            Renderer renderer,
            long rows,
            ComputeUnitBlocks.Taken unit) {
        long timeoutMillis = deadlineMillis - (System.nanoTime() - arrivedNanos) / 1_000_000;
        int replyPartition = exchange.replyPartition();
        if (timeoutMillis <= 0 || replyPartition < 0) {
            units.refund(tenant.tenantId(), unit);
            throw timeoutMillis <= 0
                    ? new ApiException(
                                    ProblemType.DEADLINE_EXCEEDED,
                                    "The prediction passed its deadline (" + deadlineMillis
                                            + " ms) before it could be sent.")
                            .header("Retry-After", String.valueOf(retryAfterSeconds))
                    : ApiException.unavailable(
                            "Online prediction is unavailable on this gateway right now; try again shortly.",
                            retryAfterSeconds);
        }
        PredictRequest request = new PredictRequest(
                requestId,
                tenant.tenantId(),
                model.modelId(),
                version,
                signatureName,
                System.currentTimeMillis() + timeoutMillis,
                replyPartition,
                inputs,
                outputs);
        Call call = new Call(
                Vertx.currentContext(),
                tenant.tenantId(),
                model.name(),
                version,
                rows,
                requestId,
                unit,
                answer,
                renderer);
        exchange.send(request, timeoutMillis, call);
    }

    private ComputeUnitBlocks.Taken joined(CompletableFuture<ComputeUnitBlocks.Taken> taken) {
        try {
            return taken.join();
        } catch (CompletionException e) {
            throw problem(e);
        }
    }

    private ApiException problem(Throwable failure) {
        Throwable cause =
                failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof ApiException api) {
            return api;
        }
        LOG.warnf("compute units cannot be taken: %s", cause.toString());
        return ApiException.unavailable(
                "The compute-unit quota cannot be checked right now; try again shortly.", retryAfterSeconds);
    }

    /** One prediction waiting for its reply. */
    private final class Call implements PredictionExchange.Waiter {
        private final Context context;
        private final String tenantId;
        private final String modelName;
        private final int version;
        private final long rows;
        private final String requestId;
        private final ComputeUnitBlocks.Taken unit;
        private final Answer answer;
        private final Renderer renderer;

        Call(
                Context context,
                String tenantId,
                String modelName,
                int version,
                long rows,
                String requestId,
                ComputeUnitBlocks.Taken unit,
                Answer answer,
                Renderer renderer) {
            this.context = context;
            this.tenantId = tenantId;
            this.modelName = modelName;
            this.version = version;
            this.rows = rows;
            this.requestId = requestId;
            this.unit = unit;
            this.answer = answer;
            this.renderer = renderer;
        }

        /** On the reply consumer's thread. */
        @Override
        public void replied(PredictReply reply) {
            if (!reply.ok()) {
                units.refund(tenantId, unit);
                ApiException refusal = refusal(reply);
                context.runOnContext(ignored -> answer.refused(refusal));
                return;
            }
            byte[] body;
            try {
                body = renderer.render(reply.outputs());
            } catch (InvalidInputException e) {
                // outputs that this protocol's form cannot carry (TF Serving rows of unequal length): not billed
                units.refund(tenantId, unit);
                context.runOnContext(ignored -> answer.refused(ApiException.badRequest(e.getMessage())));
                return;
            } catch (RuntimeException e) {
                LOG.errorf("request %s: the worker's outputs cannot be written: %s", requestId, e.toString());
                units.refund(tenantId, unit);
                context.runOnContext(ignored -> answer.refused(unavailable()));
                return;
            }
            UsageEvent event = usageEvent(reply);
            // billed more than the unit it took: the rest comes off the block too (the event lowers the block at
            // tenant-service by all of it)
            units.charge(tenantId, unit, event.data().units());
            usage.record(event, failure -> {
                if (failure != null) {
                    LOG.warnf(
                            "request %s: usage not recorded, the prediction is not answered: %s",
                            requestId, failure.toString());
                    context.runOnContext(ignored -> answer.refused(unavailable()));
                } else {
                    context.runOnContext(ignored -> answer.ok(body));
                }
            });
        }

        @Override
        public void failed(ApiException problem) {
            units.refund(tenantId, unit);
            answer.refused(problem);
        }

        private UsageEvent usageEvent(PredictReply reply) {
            String device = reply.device() == null ? "cpu" : reply.device();
            long computeMillis = (Math.max(0, reply.computeMicros()) + 999) / 1000;
            double rate = "gpu".equals(device) ? gpuRate : cpuRate;
            UsageData data = new UsageData(
                    tenantId,
                    null,
                    requestId,
                    modelName,
                    version,
                    device,
                    rows,
                    computeMillis,
                    UsageData.units(computeMillis, rate),
                    unit.reservationId());
            return UsageEvent.forPrediction(requestId, data, Instant.now());
        }

        /** A worker's refusal, as the caller sees it. */
        private ApiException refusal(PredictReply reply) {
            String detail = reply.detail();
            return switch (reply.status()) {
                case 400 -> ApiException.badRequest(detail != null ? detail : "The model refused the input.");
                case 404 -> ApiException.notFound(
                        detail != null ? detail : "Model '" + modelName + "' has no version " + version + ".");
                case 504 -> new ApiException(
                                ProblemType.DEADLINE_EXCEEDED,
                                detail != null ? detail : "The prediction passed its deadline before it ran.")
                        .header("Retry-After", String.valueOf(retryAfterSeconds));
                default -> {
                    LOG.warnf("request %s: worker answered %d: %s", requestId, reply.status(), detail);
                    yield unavailable();
                }
            };
        }
    }

    private ApiException unavailable() {
        return ApiException.unavailable(
                "Online prediction is unavailable for a moment; try again shortly.", retryAfterSeconds);
    }

    private static String abbreviate(String s) {
        String cleaned = s.replaceAll("[^\\x20-\\x7e]", "?");
        return cleaned.length() > 64 ? cleaned.substring(0, 64) + "…" : cleaned;
    }
}
