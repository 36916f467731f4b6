package io.aiaas.gateway.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.ProblemType;
import io.aiaas.common.json.Json;
import io.aiaas.gateway.auth.InternalTokenIssuer;
import io.aiaas.gateway.config.GatewayConfig;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Reserves and gives back blocks of compute units at tenant-service, non-blocking, within a timeout. A refusal for the
 * quota is a 429 {@code quota-exceeded} with tenant-service's {@code Retry-After} (the next UTC month); anything else
 * that goes wrong is a 503 with {@code Retry-After}: without tenant-service no replica can know what the others
 * admitted, so nothing is admitted blind.
 */
@ApplicationScoped
public class ComputeBlockClient implements ComputeReservations {
    private static final Logger LOG = Logger.getLogger(ComputeBlockClient.class);

    private final ComputeReservationApi api;
    private final InternalTokenIssuer tokens;
    private final Duration timeout;
    private final int retryAfterSeconds;

    public ComputeBlockClient(GatewayConfig config, InternalTokenIssuer tokens) {
        this.tokens = tokens;
        this.timeout = config.computeQuota().timeout();
        this.retryAfterSeconds = config.retryAfterSeconds();
        this.api = QuarkusRestClientBuilder.newBuilder()
                .baseUri(config.tenantServiceUrl())
                .connectTimeout(config.timeouts().connect().toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                // a 429 is an answer here, not an exception
                .disableDefaultMapper(true)
                .build(ComputeReservationApi.class);
    }

    @Override
    public CompletionStage<Block> reserve(String tenantId, String reservationId, long units, Duration ttl) {
        return api.reserve(
                        tokens.gatewayAuthorization(),
                        new ComputeReservationApi.BlockRequest(
                                tenantId, reservationId, units, Math.max(1, ttl.toSeconds()), 1))
                .ifNoItem()
                .after(timeout)
                .fail()
                .map(response -> granted(reservationId, response))
                .onFailure(
                        failure -> !(failure instanceof ApiException api && api.type() == ProblemType.QUOTA_EXCEEDED))
                .transform(failure -> {
                    LOG.warnf("tenant-service cannot reserve compute units: %s", failure.toString());
                    return unavailable();
                })
                .subscribeAsCompletionStage();
    }

    @Override
    public CompletionStage<Void> release(String tenantId, String reservationId, long units) {
        return api.release(tokens.gatewayAuthorization(), tenantId, reservationId, units)
                .ifNoItem()
                .after(timeout)
                .fail()
                .map(response -> {
                    try (response) {
                        if (response.getStatus() / 100 != 2) {
                            LOG.warnf(
                                    "tenant-service answered %d to the release of compute block %s",
                                    response.getStatus(), reservationId);
                        }
                    }
                    return (Void) null;
                })
                .onFailure()
                .recoverWithItem(failure -> {
                    LOG.warnf(
                            "compute block %s not given back (it expires instead): %s",
                            reservationId, failure.toString());
                    return null;
                })
                .subscribeAsCompletionStage();
    }

    private Block granted(String reservationId, Response response) {
        try (response) {
            int status = response.getStatus();
            if (status == 429) {
                String retryAfter = response.getHeaderString("Retry-After");
                return refused(retryAfter);
            }
            if (status != 201 && status != 200) {
                throw new IllegalStateException("tenant-service answered " + status + " to a block reservation");
            }
            JsonNode body;
            try {
                body = Json.mapper().readTree(response.readEntity(String.class));
            } catch (java.io.IOException e) {
                throw new IllegalStateException("tenant-service's block reservation is not JSON", e);
            }
            long units = body.path("units").asLong(-1);
            if (units < 0) {
                throw new IllegalStateException("tenant-service's block reservation names no units");
            }
            return new Block(reservationId, units);
        }
    }

    private static Block refused(String retryAfter) {
        long seconds;
        try {
            seconds = retryAfter == null ? 1 : Math.max(1, Long.parseLong(retryAfter.trim()));
        } catch (NumberFormatException e) {
            seconds = 1;
        }
        throw quotaExceeded(seconds);
    }

    /** The refusal of a prediction when the tenant's month has no unit left. */
    public static ApiException quotaExceeded(long retryAfterSeconds) {
        return new ApiException(
                        ProblemType.QUOTA_EXCEEDED,
                        "The plan's monthly compute-unit quota is used up; predictions resume next month.")
                .header("Retry-After", String.valueOf(retryAfterSeconds));
    }

    private ApiException unavailable() {
        return ApiException.unavailable(
                "The compute-unit quota cannot be checked right now; try again shortly.", retryAfterSeconds);
    }
}
