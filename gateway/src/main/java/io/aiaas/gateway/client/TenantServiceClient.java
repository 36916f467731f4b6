package io.aiaas.gateway.client;

import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.auth.InternalTokenSigner;
import io.aiaas.common.auth.Scopes;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.json.Json;
import io.aiaas.gateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/** tenant-service's internal API as the gateway uses it: verifying API keys by their hash. */
@ApplicationScoped
public class TenantServiceClient {
    private static final Logger LOG = Logger.getLogger(TenantServiceClient.class);
    static final String VERIFY_PATH = "/internal/v1/api-keys/verify";

    private final HttpClient http;
    private final InternalTokenSigner signer;
    private final GatewayConfig config;
    private final URI verifyUri;

    public TenantServiceClient(HttpClient http, InternalTokenSigner signer, GatewayConfig config) {
        this.http = http;
        this.signer = signer;
        this.config = config;
        this.verifyUri = config.tenantServiceUrl().resolve(VERIFY_PATH);
    }

    /**
     * The live key with this hash, or empty when tenant-service knows none (unknown, revoked or expired).
     *
     * @throws ApiException 503 when tenant-service cannot answer
     */
    public Optional<KeyVerification> verify(String keyHash, String requestId) {
        String token = signer.sign(
                InternalToken.AUDIENCE_TENANT_SERVICE,
                InternalToken.ISSUER_GATEWAY,
                null,
                List.of(),
                List.of(Scopes.ROLE_SERVICE),
                requestId);
        HttpRequest request = HttpRequest.newBuilder(verifyUri)
                .timeout(config.timeouts().keyVerification())
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .header("X-Request-Id", requestId)
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("keyHash", keyHash))))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            LOG.warnf("request %s: tenant-service unreachable for key verification: %s", requestId, e.toString());
            throw unavailable();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable();
        }
        return switch (response.statusCode()) {
            case 200 -> Optional.of(read(response.body(), requestId));
            case 404 -> Optional.empty();
            default -> {
                LOG.warnf("request %s: key verification answered %d", requestId, response.statusCode());
                throw unavailable();
            }
        };
    }

    private KeyVerification read(String body, String requestId) {
        try {
            KeyVerification verification = Json.read(body, KeyVerification.class);
            if (verification.tenantId() == null || verification.keyId() == null) {
                throw new IllegalArgumentException("incomplete verification");
            }
            return verification;
        } catch (IllegalArgumentException e) {
            LOG.warnf("request %s: unreadable key verification from tenant-service", requestId);
            throw unavailable();
        }
    }

    private ApiException unavailable() {
        return ApiException.unavailable(
                "API keys cannot be verified right now; try again shortly.", config.retryAfterSeconds());
    }
}
