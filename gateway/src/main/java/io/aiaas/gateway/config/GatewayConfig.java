package io.aiaas.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/** Configuration of the gateway, under {@code aiaas.gateway}. */
@ConfigMapping(prefix = "aiaas.gateway")
public interface GatewayConfig {

    /** Base URL of tenant-service ({@code AIAAS_TENANT_SERVICE_URL}). */
    @WithDefault("http://localhost:8081")
    URI tenantServiceUrl();

    /** Base URL of model-service ({@code AIAAS_MODEL_SERVICE_URL}). */
    @WithDefault("http://localhost:8082")
    URI modelServiceUrl();

    Auth auth();

    Timeouts timeouts();

    /** Seconds a client is told to wait ({@code Retry-After}) when a service behind the gateway is down. */
    @WithDefault("2")
    int retryAfterSeconds();

    interface Auth {
        /** PKCS#8 PEM private key that signs internal tokens ({@code AIAAS_GATEWAY_SIGNING_KEY_FILE}). */
        Path signingKeyFile();

        /**
         * How long a key verification by tenant-service may be reused. Revocation and suspension must take effect
         * within one second, so anything above 1 s is cut to 1 s; 0 disables the cache.
         */
        @WithDefault("1s")
        Duration keyCacheTtl();

        /** Upper bound of cached verifications (one per distinct key). */
        @WithDefault("10000")
        int keyCacheMaxEntries();
    }

    interface Timeouts {
        /** Connecting to a service. */
        @WithDefault("2s")
        Duration connect();

        /** A key verification call to tenant-service, from sending to the whole answer. */
        @WithDefault("3s")
        Duration keyVerification();

        /**
         * A forwarded call until the service's response headers arrive, including the time to stream the request
         * body (large model uploads need it long).
         */
        @WithDefault("300s")
        Duration response();

        /** Waiting for the administrator's token to be verified (Keycloak keys are fetched at most now and then). */
        @WithDefault("10s")
        Duration adminAuthentication();
    }
}
