package io.aiaas.gateway.client;

import io.aiaas.common.error.ApiException;
import io.aiaas.gateway.auth.InternalTokenIssuer;
import io.aiaas.gateway.config.GatewayConfig;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.smallrye.faulttolerance.api.TypedGuard;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClosedException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.util.TypeLiteral;
import jakarta.ws.rs.core.Response;
import java.net.ConnectException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.jboss.logging.Logger;

/**
 * Verifies API keys with tenant-service ({@code POST /internal/v1/api-keys/verify}), non-blocking, guarded by a
 * timeout per attempt, retries of calls that never reached tenant-service (a refused connection, or a pooled one
 * found closed before any answer: verification only reads, so asking again is safe), and a circuit breaker that answers at once while
 * tenant-service is down. Whatever goes wrong becomes a 503 with {@code Retry-After}.
 */
@ApplicationScoped
public class TenantServiceClient {
    private static final Logger LOG = Logger.getLogger(TenantServiceClient.class);

    /** tenant-service answered, but neither "this key" nor "no such key". */
    static final class UnexpectedAnswer extends RuntimeException {
        UnexpectedAnswer(String message) {
            super(message, null, false, false);
        }
    }

    private final TenantServiceApi api;
    private final InternalTokenIssuer tokens;
    private final TypedGuard<Uni<Optional<KeyVerification>>> guard;
    private final int retryAfterSeconds;

    public TenantServiceClient(GatewayConfig config, InternalTokenIssuer tokens) {
        this.tokens = tokens;
        this.retryAfterSeconds = config.retryAfterSeconds();
        GatewayConfig.KeyVerification verification = config.keyVerification();
        this.api = QuarkusRestClientBuilder.newBuilder()
                .baseUri(config.tenantServiceUrl())
                .connectTimeout(config.timeouts().connect().toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(verification.timeout().toMillis(), TimeUnit.MILLISECONDS)
                // 404 is an answer here ("no such key"), not an exception
                .disableDefaultMapper(true)
                .build(TenantServiceApi.class);
        this.guard = TypedGuard.create(new TypeLiteral<Uni<Optional<KeyVerification>>>() {})
                .withDescription("tenant-service key verification")
                .withRetry()
                .maxRetries(verification.connectRetries())
                .delay(verification.retryDelay().toMillis(), ChronoUnit.MILLIS)
                .whenException(TenantServiceClient::neverAnswered)
                .done()
                .withCircuitBreaker()
                .name("tenant-service-key-verification")
                .requestVolumeThreshold(verification.circuitBreakerVolume())
                .failureRatio(verification.circuitBreakerFailureRatio())
                .delay(verification.circuitBreakerDelay().toMillis(), ChronoUnit.MILLIS)
                .done()
                .withTimeout()
                .duration(verification.timeout().toMillis(), ChronoUnit.MILLIS)
                .done()
                .build();
    }

    /**
     * The live key with this hash, or empty when tenant-service knows none (unknown, revoked or expired); fails with
     * an {@link ApiException} 503 when tenant-service cannot answer.
     */
    public CompletionStage<Optional<KeyVerification>> verify(String keyHash, String requestId) {
        return guard.get(() -> ask(keyHash, requestId))
                .onFailure()
                .transform(failure -> unavailable(failure, requestId))
                .subscribeAsCompletionStage();
    }

    /**
     * What tenant-service knows of the tenant of an owner's token, as a verification of the owner: empty for an
     * unknown or deleted tenant; fails as {@link #verify} does.
     */
    public CompletionStage<Optional<KeyVerification>> verifyOwner(String tenantId, String subject, String requestId) {
        return guard.get(() -> answer(api.verifyOwner(
                        tokens.gatewayAuthorization(), requestId, tenantId, new TenantServiceApi.VerifyOwner(subject))))
                .onFailure()
                .transform(failure -> unavailable(failure, requestId))
                .subscribeAsCompletionStage();
    }

    private Uni<Optional<KeyVerification>> ask(String keyHash, String requestId) {
        return answer(api.verify(tokens.gatewayAuthorization(), requestId, new TenantServiceApi.VerifyKey(keyHash)));
    }

    private static Uni<Optional<KeyVerification>> answer(Uni<Response> call) {
        return call.map(response -> {
            try (response) {
                return switch (response.getStatus()) {
                    case 200 -> Optional.of(read(response));
                    case 404 -> Optional.<KeyVerification>empty();
                    default -> throw new UnexpectedAnswer("key verification answered " + response.getStatus());
                };
            }
        });
    }

    private static KeyVerification read(Response response) {
        KeyVerification verification;
        try {
            verification = response.readEntity(KeyVerification.class);
        } catch (RuntimeException e) {
            throw new UnexpectedAnswer("unreadable key verification");
        }
        if (verification == null || verification.tenantId() == null || verification.keyId() == null) {
            throw new UnexpectedAnswer("incomplete key verification");
        }
        return verification;
    }

    private ApiException unavailable(Throwable failure, String requestId) {
        if (failure instanceof CircuitBreakerOpenException) {
            LOG.debugf("request %s: key verification refused at once, tenant-service is failing", requestId);
        } else {
            LOG.warnf("request %s: tenant-service cannot verify API keys: %s", requestId, failure.toString());
        }
        return ApiException.unavailable("API keys cannot be verified right now; try again shortly.", retryAfterSeconds);
    }

    /**
     * Whether the call failed before tenant-service could answer: a refused connection, or a kept-alive connection
     * that tenant-service closed just as it was reused (its idle timer and the client's reuse can cross).
     */
    static boolean neverAnswered(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof HttpClosedException) {
                return true;
            }
        }
        return false;
    }
}
