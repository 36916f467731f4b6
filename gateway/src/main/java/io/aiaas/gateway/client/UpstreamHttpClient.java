package io.aiaas.gateway.client;

import io.aiaas.gateway.config.GatewayConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.net.http.HttpClient;

/** The one HTTP client the gateway uses to reach the services. */
public class UpstreamHttpClient {

    @Produces
    @Singleton
    HttpClient httpClient(GatewayConfig config) {
        // HTTP/1.1: services are plain-text Quarkus servers, and a streamed upload must not wait for an h2c upgrade.
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.timeouts().connect())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }
}
