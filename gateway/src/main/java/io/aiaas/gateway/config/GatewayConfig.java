package io.aiaas.gateway.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

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

    KeyCache keyCache();

    AuthThrottle authThrottle();

    KeyVerification keyVerification();

    Timeouts timeouts();

    Limits limits();

    Upstream upstream();

    OpenApi openapi();

    TenantEvents tenantEvents();

    Predict predict();

    Rates rates();

    RateLimit rateLimit();

    ComputeQuota computeQuota();

    /** Measurement only: see {@link Checks}. */
    Checks checks();

    /** Seconds a client is told to wait ({@code Retry-After}) when a service behind the gateway is down. */
    @WithDefault("2")
    int retryAfterSeconds();

    /** The broadcast consumer of {@code aiaas.tenant-events.v1} ({@code kafka.bootstrap.servers}, env {@code AIAAS_KAFKA_BOOTSTRAP}). */
    interface TenantEvents {
        /**
         * Whether this replica reads tenant events. Without them the key cache trusts no entry longer than
         * {@code key-cache.fallback-ttl}: revocations still take effect within a second, at the cost of more look-ups.
         */
        @WithDefault("true")
        boolean enabled();

        /** How long one poll waits for records; heartbeats arrive every 250 ms, so keep it short. */
        @WithDefault("100ms")
        Duration pollTimeout();
    }

    /** Online prediction: Open Inference Protocol and TF Serving calls, sent to workers over Kafka. */
    interface Predict {
        /**
         * Whether this replica sends predictions over Kafka, reads their replies ({@code aiaas.predict-replies.v1},
         * group {@code aiaas-gateway-predict-replies}) and model events ({@code aiaas.model-events.v1}). Off, metadata
         * and readiness calls still work (cached without model events: {@code metadata.ttl} alone bounds staleness)
         * and every inference answers 503.
         */
        @WithDefault("true")
        boolean enabled();

        /** How long a prediction waits for its worker's reply; after it: 504 {@code deadline-exceeded}. */
        @WithDefault("10s")
        Duration deadline();

        /** How long one poll of the reply consumer waits; replies are handed on as soon as they arrive. */
        @WithDefault("100ms")
        Duration pollTimeout();

        Metadata metadata();

        /** The cache of model-service's serving metadata ({@code GET /internal/v1/serving/models/{name}}). */
        interface Metadata {
            /** (tenant, model name) entries kept at most. */
            @WithDefault("10000")
            long maxEntries();

            /** A safety net: model events drop changed entries at once; an entry is fetched again after this anyway. */
            @WithDefault("5m")
            Duration ttl();

            /** How long "no such model" is remembered (a model created meanwhile is announced by an event too). */
            @WithDefault("2s")
            Duration notFoundTtl();

            /** Waiting for model-service's answer (connecting included); beyond it the call answers 503. */
            @WithDefault("3s")
            Duration timeout();
        }
    }

    /** The access benchmark's switch; nothing else sets it. */
    interface Checks {
        /**
         * A tenant id that tenant calls without credentials act as, with every scope, no rate limit and no quota: the
         * gateway with its checks off, measured beside the same gateway with them on. Honoured only while the Quarkus
         * profile {@code bench} is active (the gateway refuses to start otherwise); never set it anywhere else.
         */
        Optional<String> bypassTenant();
    }

    /**
     * Tenants' {@code requestsPerSecond} and {@code burst}, exact across replicas: slices of each bucket are leased
     * from tenant-service, which owns them.
     */
    interface RateLimit {
        /** Whether tenant calls are rate-limited at all (off only to measure what the checks cost). */
        @WithDefault("true")
        boolean enabled();

        /**
         * How much of the rate one lease asks for beyond the requests waiting: larger slices mean fewer calls to the
         * owner, smaller ones leave less unspent on a replica when several share a tenant.
         */
        @WithDefault("50ms")
        Duration slice();

        /** How much earlier than at the owner a lease ends here, so that what is left goes back while it counts. */
        @WithDefault("100ms")
        Duration leaseMargin();

        /** The longest wait for the owner; past it the call is refused with 503 rather than admitted blind. */
        @WithDefault("1s")
        Duration ownerTimeout();
    }

    /**
     * Tenants' {@code monthlyComputeUnits} for online predictions: this replica holds a block of units per tenant,
     * reserved at tenant-service, and admits a prediction only when it can take a unit (the least one costs) from it.
     */
    interface ComputeQuota {
        /** Whether predictions wait for compute units at all (off only to measure what the check costs). */
        @WithDefault("true")
        boolean enabled();

        /**
         * Units one block asks for (tenant-service grants what is left of the month when less): larger blocks mean
         * fewer calls, smaller ones hold less of a tenant's quota on one replica.
         */
        @WithDefault("100")
        long blockUnits();

        /**
         * The most units one block asks for: a busy tenant's blocks grow to about its last two seconds of predictions
         * (so it renews a few times a second at most), up to this; an idle one's stay at {@code block-units}.
         */
        @WithDefault("1000")
        long blockUnitsMax();

        /**
         * How long tenant-service holds a block: the bound on how long a dead replica's block counts. This replica
         * takes units from a block only in the first half of it, so that the usage events of its predictions lower the
         * block before it expires.
         */
        @WithDefault("60s")
        Duration blockTtl();

        /** A block unused this long gives its unspent units back to tenant-service. */
        @WithDefault("10s")
        Duration idleRelease();

        /** How long a refusal (quota reached) is remembered before tenant-service is asked again. */
        @WithDefault("1s")
        Duration refusalMemory();

        /** The longest wait for tenant-service; past it a prediction is refused with 503 rather than admitted blind. */
        @WithDefault("1s")
        Duration timeout();
    }

    /** Compute units per second of compute, by device, billed for online predictions (the workers' defaults). */
    interface Rates {
        @WithDefault("1.0")
        double cpu();

        @WithDefault("10.0")
        double gpu();
    }

    interface Auth {
        /** PKCS#8 PEM private key that signs internal tokens ({@code AIAAS_GATEWAY_SIGNING_KEY_FILE}). */
        Path signingKeyFile();

        /** Lifetime of an internal token ({@code exp − iat}); at most 60 s. */
        @WithDefault("60s")
        Duration tokenLifetime();

        /**
         * Age after which a cached internal token is signed anew, well before it expires, so a service never receives
         * one about to run out (and clocks may differ a little).
         */
        @WithDefault("30s")
        Duration tokenRenewal();
    }

    /** The cache of tenant-service's key verifications (see docs/internal-contracts.md, "Key cache"). */
    interface KeyCache {
        /**
         * Live keys kept at most (each with its identity and internal tokens, a few KB); the least valuable are evicted
         * beyond it, never all at once.
         */
        @WithDefault("10000")
        long maxEntries();

        /** A live key not used for this long is forgotten (its memory is better spent elsewhere). */
        @WithDefault("10m")
        Duration forgetUnusedAfter();

        /** Unknown keys remembered at most, in a cache of their own so made-up keys never evict a live one. */
        @WithDefault("50000")
        long unknownMaxEntries();

        /** How long an unknown key is remembered: a made-up key costs one look-up per this period at most. */
        @WithDefault("10s")
        Duration unknownTtl();

        /**
         * A cached verification is trusted while a heartbeat of every partition of {@code aiaas.tenant-events.v1}
         * has been seen whose watermark is at most this old: every revocation committed before it has been applied.
         */
        @WithDefault("750ms")
        Duration heartbeatMaxAge();

        /**
         * Without such heartbeats (tenant-events not wired, broker down, tenant-service silent), verifications older
         * than this are asked again. Revocation must take effect within 1 s, so anything above 1 s is cut to 1 s.
         */
        @WithDefault("1s")
        Duration fallbackTtl();

        /**
         * Even with fresh heartbeats a key is verified again in the background after this long, which keeps
         * tenant-service's {@code lastUsedAt} (touched at most once a minute) current.
         */
        @WithDefault("60s")
        Duration refreshAfter();
    }

    /**
     * Throttling of repeated failed authentication per source address (CONTRACT, Limits), in this replica's memory.
     * The address is the connection's peer as Quarkus reports it: {@code X-Forwarded-For} and {@code Forwarded} count
     * only where {@code quarkus.http.proxy.*} says to trust them.
     */
    interface AuthThrottle {
        /** Whether failed authentications are counted and an address over {@code max-failures} is throttled. */
        @WithDefault("true")
        boolean enabled();

        /**
         * Failed authentications (401 to a request that presented credentials) one address may have in a window; from
         * then on until the window ends its requests with credentials not already known valid get 429.
         */
        @WithDefault("20")
        int maxFailures();

        /** The window, begun by an address's first failure; {@code Retry-After} counts the seconds left of it. */
        @WithDefault("60s")
        Duration window();

        /**
         * Addresses counted at most, so many attacking addresses cost bounded memory; beyond it the least valuable
         * are forgotten (a forgotten address starts again from no failures).
         */
        @WithDefault("100000")
        long maxAddresses();
    }

    /** The call to tenant-service's {@code POST /internal/v1/api-keys/verify}. */
    interface KeyVerification {
        /** Each attempt, from sending to the whole answer. */
        @WithDefault("3s")
        Duration timeout();

        /**
         * Retries of a call that never reached tenant-service: a refused connection, or a kept-alive one found closed
         * before any answer (nothing else is retried).
         */
        @WithDefault("2")
        int connectRetries();

        /** Pause before a retry. */
        @WithDefault("100ms")
        Duration retryDelay();

        /** Calls the circuit breaker looks at before it may open. */
        @WithDefault("20")
        int circuitBreakerVolume();

        /** Share of failed calls among them that opens it. */
        @WithDefault("0.5")
        double circuitBreakerFailureRatio();

        /** How long it stays open (every verification refused at once with 503) before a trial call. */
        @WithDefault("5s")
        Duration circuitBreakerDelay();
    }

    interface Timeouts {
        /** Connecting to a service. */
        @WithDefault("2s")
        Duration connect();

        /**
         * A forwarded call fails (503 before the answer began; the connection is cut after) when its connection to
         * the service carries nothing either way for this long. There is no limit on a whole exchange: an upload
         * takes as long as it takes while bytes move.
         */
        @WithDefault("60s")
        Duration idle();

        /**
         * The same for event streams ({@code text/event-stream}), which may be quiet for long; a service keeps a
         * stream alive by writing a comment line more often than this.
         */
        @WithDefault("10m")
        Duration eventStreamIdle();

        /** Waiting for the administrator's token to be verified (Keycloak's keys are fetched now and then). */
        @WithDefault("10s")
        Duration adminAuthentication();
    }

    interface Limits {
        /**
         * The largest body the gateway passes on for anyone (administrators' catalogue uploads included); the plan's
         * limits are usually lower. Declared lengths over it are refused at once, streamed bodies when they cross it.
         */
        @WithDefault("5G")
        MemorySize maxBodySize();
    }

    /** The connections to the services. */
    interface Upstream {
        /** Connections per service for ordinary calls; more concurrent calls wait for a free one. */
        @WithDefault("256")
        int maxConnections();

        /** Connections per service for event streams, each of which holds one for its whole life. */
        @WithDefault("10000")
        int maxEventStreams();
    }

    /** The public OpenAPI document, assembled from the services' own. */
    interface OpenApi {
        /** How often the services' documents are fetched again; the last good copy is served meanwhile. */
        @WithDefault("5m")
        Duration refresh();

        /** Waiting for a service's document. */
        @WithDefault("5s")
        Duration timeout();
    }
}
