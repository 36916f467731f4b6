package io.aiaas.gateway.health;

import io.aiaas.gateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Ready when both services behind the gateway say they are live. */
@Readiness
@ApplicationScoped
public class ServicesReadiness implements HealthCheck {
    private final HttpClient http;
    private final GatewayConfig config;

    public ServicesReadiness(HttpClient http, GatewayConfig config) {
        this.http = http;
        this.config = config;
    }

    @Override
    public HealthCheckResponse call() {
        boolean tenant = live(config.tenantServiceUrl());
        boolean model = live(config.modelServiceUrl());
        HealthCheckResponseBuilder response = HealthCheckResponse.named("services")
                .withData("tenant-service", tenant ? "UP" : "DOWN")
                .withData("model-service", model ? "UP" : "DOWN");
        return (tenant && model ? response.up() : response.down()).build();
    }

    private boolean live(URI base) {
        try {
            HttpRequest request = HttpRequest.newBuilder(base.resolve("/q/health/live"))
                    .timeout(config.timeouts().connect())
                    .GET()
                    .build();
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
