package io.aiaas.gateway.client;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.limits.RateLimitLease;
import io.aiaas.gateway.auth.InternalTokenIssuer;
import io.aiaas.gateway.config.GatewayConfig;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Leases slices of tenants' request buckets from tenant-service, non-blocking, within a timeout. A failure is a 503
 * with {@code Retry-After}: without the owner no replica can know what the others admitted, so it admits nothing
 * rather than more than the plan allows.
 */
@ApplicationScoped
public class RateLimitOwnerClient {
    private static final Logger LOG = Logger.getLogger(RateLimitOwnerClient.class);

    private final RateLimitApi api;
    private final InternalTokenIssuer tokens;
    private final Duration timeout;
    private final int retryAfterSeconds;

    public RateLimitOwnerClient(GatewayConfig config, InternalTokenIssuer tokens) {
        this.tokens = tokens;
        this.timeout = config.rateLimit().ownerTimeout();
        this.retryAfterSeconds = config.retryAfterSeconds();
        this.api = QuarkusRestClientBuilder.newBuilder()
                .baseUri(config.tenantServiceUrl())
                .connectTimeout(config.timeouts().connect().toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .build(RateLimitApi.class);
    }

    public CompletionStage<RateLimitLease.Grant> lease(RateLimitLease.Request request) {
        return api.lease(tokens.gatewayAuthorization(), request)
                .ifNoItem()
                .after(timeout)
                .fail()
                .onFailure()
                .transform(failure -> {
                    LOG.warnf("tenant-service cannot lease rate-limit tokens: %s", failure.toString());
                    return ApiException.unavailable(
                            "Rate limits cannot be checked right now; try again shortly.", retryAfterSeconds);
                })
                .subscribeAsCompletionStage();
    }
}
