package io.aiaas.model.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.ProblemType;
import io.aiaas.common.json.Json;
import io.aiaas.model.config.ModelServiceConfig;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ProcessingException;
import java.net.URI;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * The calls to tenant-service's reservations with their fault tolerance: one quick retry (a reservation is idempotent
 * on its id, so a call that may have counted can be repeated), a timeout per call (the REST client's), and a circuit
 * breaker that stops waiting on a tenant-service which keeps failing. {@link ComputeReservations} turns what the
 * breaker throws into the same 503 as any other failure.
 */
@ApplicationScoped
public class TenantServiceCalls {
    private final TenantServiceApi api;
    private final ServiceTokens tokens;

    public TenantServiceCalls(ModelServiceConfig config, ServiceTokens tokens) {
        long timeout = config.quota().timeout().toMillis();
        this.api = QuarkusRestClientBuilder.newBuilder()
                .baseUri(URI.create(config.tenantServiceUrl()))
                .connectTimeout(timeout, TimeUnit.MILLISECONDS)
                .readTimeout(timeout, TimeUnit.MILLISECONDS)
                .disableDefaultMapper(true)
                .build(TenantServiceApi.class);
        this.tokens = tokens;
    }

    /**
     * Reserves; returns normally when granted.
     *
     * @throws ApiException 429 {@code quota-exceeded} (with tenant-service's {@code Retry-After} and detail) when the
     *     quota has no room for it
     * @throws TenantServiceUnavailableException when tenant-service gave no answer
     */
    @Retry(
            maxRetries = 1,
            delay = 100,
            jitter = 50,
            delayUnit = ChronoUnit.MILLIS,
            retryOn = TenantServiceUnavailableException.class)
    @CircuitBreaker(
            requestVolumeThreshold = 10,
            failureRatio = 0.8,
            delay = 5,
            delayUnit = ChronoUnit.SECONDS,
            failOn = TenantServiceUnavailableException.class)
    public void reserve(TenantServiceApi.ReservationRequest request, String requestId) {
        RestResponse<String> answer;
        try {
            answer = api.reserve(tokens.forTenantService(), requestId, request);
        } catch (ProcessingException e) {
            throw new TenantServiceUnavailableException("tenant-service cannot be reached", e);
        }
        int status = answer.getStatus();
        if (status == 200 || status == 201) {
            return;
        }
        if (status == 429) {
            String retryAfter = answer.getHeaderString("Retry-After");
            ApiException refused = new ApiException(ProblemType.QUOTA_EXCEEDED, detail(body(answer)));
            throw withRetryAfter(refused, retryAfter);
        }
        if (status >= 500) {
            throw new TenantServiceUnavailableException("tenant-service answered " + status, null);
        }
        // 400, 401, 403, 404, 409: a fault of this service or its setup, not of the tenant's request
        throw new IllegalStateException(
                "tenant-service refused a reservation with " + status + ": " + detail(body(answer)));
    }

    /** Releases; a reservation already gone is fine. */
    @Retry(
            maxRetries = 1,
            delay = 100,
            delayUnit = ChronoUnit.MILLIS,
            retryOn = TenantServiceUnavailableException.class)
    public void release(String tenantId, String reservationId, String requestId) {
        RestResponse<String> answer;
        try {
            answer = api.release(tokens.forTenantService(), requestId, tenantId, reservationId);
        } catch (ProcessingException e) {
            throw new TenantServiceUnavailableException("tenant-service cannot be reached", e);
        }
        if (answer.getStatus() >= 500) {
            throw new TenantServiceUnavailableException("tenant-service answered " + answer.getStatus(), null);
        }
        if (answer.getStatus() >= 300) {
            throw new IllegalStateException("tenant-service refused a release with " + answer.getStatus());
        }
    }

    private static ApiException withRetryAfter(ApiException refused, String retryAfter) {
        if (retryAfter != null && retryAfter.matches("[0-9]{1,10}")) {
            refused.header("Retry-After", retryAfter);
        }
        return refused;
    }

    /** The body of an answer that is not a 2xx: the client leaves it unread (a stream), so it is read here. */
    private static String body(RestResponse<String> answer) {
        try {
            return answer.readEntity(String.class);
        } catch (RuntimeException unreadable) {
            return "";
        }
    }

    private static String detail(String body) {
        try {
            JsonNode problem = Json.mapper().readTree(body == null ? "" : body);
            if (problem != null && problem.path("detail").isTextual()) {
                return problem.path("detail").asText();
            }
        } catch (java.io.IOException ignored) {
            // not a problem body
        }
        return "The monthly compute-unit quota is spent.";
    }
}
