package io.aiaas.worker.client;

import io.aiaas.common.json.Json;
import io.aiaas.worker.config.WorkerConfig;
import io.aiaas.worker.config.WorkerIdentity;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.jboss.logging.Logger;

/** Claims jobs at model-service ({@code POST /internal/v1/jobs/{jobId}/claim}). */
@Singleton
public class ModelServiceClient {
    private static final Logger LOG = Logger.getLogger(ModelServiceClient.class);

    private final HttpClient http;
    private final String baseUrl;
    private final Duration requestTimeout;
    private final ServiceTokens tokens;
    private final WorkerIdentity identity;

    public ModelServiceClient(WorkerConfig config, ServiceTokens tokens, WorkerIdentity identity) {
        this.http = HttpClient.newBuilder()
                .connectTimeout(config.http().connectTimeout())
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        this.baseUrl = trimSlash(config.modelServiceUrl());
        this.requestTimeout = config.http().requestTimeout();
        this.tokens = tokens;
        this.identity = identity;
    }

    /**
     * Claims {@code jobId} for this worker. A job model-service does not know (404) is answered as not to proceed.
     *
     * @throws ModelServiceUnavailableException when model-service cannot say yes or no now
     */
    public ClaimResult claim(String jobId, String tenantId, String requestId) {
        URI uri = URI.create(
                baseUrl + "/internal/v1/jobs/" + URLEncoder.encode(jobId, StandardCharsets.UTF_8) + "/claim");
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(requestTimeout)
                .header("Authorization", "Bearer " + tokens.forModelService(tenantId, requestId))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("workerId", identity.workerId()))));
        if (requestId != null) {
            request.header("X-Request-Id", requestId);
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new ModelServiceUnavailableException("claim of " + jobId + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelServiceUnavailableException("interrupted while claiming " + jobId, e);
        }
        int status = response.statusCode();
        if (status == 200) {
            try {
                return Json.mapper().readValue(response.body(), ClaimResult.class);
            } catch (IOException e) {
                throw new ModelServiceUnavailableException("unreadable claim answer for " + jobId, e);
            }
        }
        if (status == 404) {
            LOG.warnf("model-service does not know job %s; skipping it", jobId);
            return new ClaimResult(false, 0, "unknown");
        }
        // 401/403 are a configuration fault of this installation, 5xx and 429 pass: either way the job waits.
        throw new ModelServiceUnavailableException("claim of " + jobId + " answered HTTP " + status);
    }

    /** Whether model-service answers its readiness probe. */
    public boolean ready() {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/q/health/ready"))
                .timeout(requestTimeout)
                .GET()
                .build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static String trimSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
