package io.aiaas.tenant.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** The tenant service's own settings, under {@code aiaas.tenant}. */
@ConfigMapping(prefix = "aiaas.tenant")
public interface TenantConfig {

    Auth auth();

    Usage usage();

    Keys keys();

    Outbox outbox();

    RateLimit rateLimit();

    Audit audit();

    DeletedTenants deletedTenants();

    Compute compute();

    /** The compute-unit reservations of the monthly quota ({@code ComputeQuotaLedger}). */
    interface Compute {
        /**
         * How often expired reservations are deleted. They stop counting the moment they expire whatever this is; the
         * sweep only keeps the table small. Read by the scheduler as {@code aiaas.tenant.compute.sweep-interval}.
         */
        @WithDefault("60s")
        Duration sweepInterval();
    }

    Keycloak keycloak();

    interface Auth {
        /**
         * The JWKS file with the public keys of internal-token issuers (gateway, workers), as
         * {@code InternalKeyFiles.ensure} writes it. Environment: {@code AIAAS_INTERNAL_JWKS_FILE}.
         */
        Path jwksFile();

        /**
         * Shortest time between two readings of the JWKS for tokens whose key id it does not hold: a rotated-in key is
         * trusted within this time, and made-up key ids cannot make the service read the file more often.
         */
        @WithDefault("5s")
        Duration jwksRefetchInterval();
    }

    interface Usage {
        /** Whether this replica consumes {@code aiaas.usage.v1}; off only for tools that need the API alone. */
        @WithDefault("true")
        boolean consumerEnabled();

        /** The consumer group: every replica shares it, so each event is stored by one of them. */
        @WithDefault("aiaas-tenant-usage")
        String groupId();

        /** How long one poll of the usage topic waits for records. */
        @WithDefault("1s")
        Duration pollTimeout();

        /**
         * How long the broker may hold a fetch of usage events while less than {@code fetch-min-bytes} is there: events
         * arriving within it are stored as one batch (one transaction, one statement per step) instead of one by one.
         * Billing and the month's balance see an event up to this much later; quotas stay exact meanwhile (the units
         * of admitted work are reserved until their event is stored).
         */
        @WithDefault("200ms")
        Duration fetchMaxWait();

        /** The bytes of usage events (about 1 KiB each) that end a fetch before {@code fetch-max-wait}. */
        @WithDefault("262144")
        int fetchMinBytes();

        /**
         * The first pause before a batch that could not be stored (database down), or a failed consumer, is tried
         * again; it doubles with each consecutive failure up to {@code retry-backoff-max}.
         */
        @WithDefault("2s")
        Duration retryBackoff();

        /** The longest pause between two attempts. */
        @WithDefault("30s")
        Duration retryBackoffMax();

        /** The longest time range one usage query may span. */
        @WithDefault("P400D")
        Duration maxRange();
    }

    /** The relay that publishes tenant events from the outbox table to {@code aiaas.tenant-events.v1}. */
    interface Outbox {
        /**
         * How often the publishing replica looks for rows nobody announced (another replica's writes, a crash between
         * commit and publish); a commit on this replica triggers a pass at once.
         */
        @WithDefault("250ms")
        Duration interval();

        /** Rows read, sent and deleted together. */
        @WithDefault("100")
        int batchSize();

        /** How long the relay waits for Kafka to acknowledge a batch before leaving its rest for the next pass. */
        @WithDefault("10s")
        Duration sendTimeout();

        /** How often a replica that does not publish tries to take over (the publisher holds a database lock). */
        @WithDefault("1s")
        Duration leaderRetry();

        /**
         * The shortest time between two watermark heartbeats on every partition of {@code aiaas.tenant-events.v1};
         * gateways trust their key cache only while heartbeats are fresh.
         */
        @WithDefault("250ms")
        Duration heartbeatInterval();
    }

    interface Keys {
        /** {@code lastUsedAt} is written at most this often per key, so verification stays a read. */
        @WithDefault("60s")
        Duration lastUsedResolution();
    }

    /**
     * The background removal of deleted tenants' API-key rows ({@code DeletedTenantKeys}); the keys stopped at the
     * deletion already, and the tenants' usage and audit rows stay.
     */
    interface DeletedTenants {
        /** How often a replica looks for deleted tenants whose key rows are still there. */
        @WithDefault("10s")
        Duration keyPurgeInterval();

        /** Key rows deleted per transaction. */
        @WithDefault("500")
        int keyPurgeChunkSize();
    }

    /** The request buckets this service owns for every gateway replica ({@code RateLimitOwner}). */
    interface RateLimit {
        /**
         * How long a replica may spend a slice it leased; until then the slice counts against the bucket. Shorter
         * strands fewer unspent tokens on a replica that dies; longer lets a replica spend a slice with fewer calls.
         */
        @WithDefault("500ms")
        Duration lease();
    }

    /** The consumer of {@code aiaas.audit.v1}: other services' changes, stored into the audit trail. */
    interface Audit {
        /** Whether this replica consumes {@code aiaas.audit.v1}; off only for tools that need the API alone. */
        @WithDefault("true")
        boolean consumerEnabled();

        /** The consumer group of every tenant-service replica: each record is stored by one of them. */
        @WithDefault("aiaas-tenant-audit")
        String groupId();

        /** How long one poll of the audit topic waits for records. */
        @WithDefault("1s")
        Duration pollTimeout();

        /** The pause after a batch the database refused, doubling up to {@code retry-backoff-max}. */
        @WithDefault("2s")
        Duration retryBackoff();

        /** The longest pause between two attempts. */
        @WithDefault("30s")
        Duration retryBackoffMax();
    }

    /**
     * Tenant owners as Keycloak users (CONTRACT "Tenant people"), provisioned and removed through Keycloak's admin API
     * with the service account of the platform client.
     */
    interface Keycloak {
        /**
         * Whether owners are provisioned and removed at all. Off, tenants still store {@code ownerEmail} and their
         * owner rows wait {@code pending}, to be worked off once it is on.
         */
        @WithDefault("true")
        boolean enabled();

        /**
         * The realm's URL, which is also its tokens' issuer ({@code http://host:8180/realms/aiaas}); the admin API is
         * {@code http://host:8180/admin/realms/aiaas}. Environment: {@code AIAAS_OIDC_URL}.
         */
        @WithDefault("http://localhost:8180/realms/aiaas")
        String realmUrl();

        /** The confidential client whose service account holds realm-management's manage-users and view-users. */
        @WithDefault("aiaas-platform")
        String clientId();

        /** The client's secret; never logged. Environment: {@code AIAAS_KEYCLOAK_CLIENT_SECRET}. */
        Optional<String> clientSecret();

        /**
         * A file holding the client's secret, read when {@code client-secret} is not set. Environment:
         * {@code AIAAS_KEYCLOAK_CLIENT_SECRET_FILE}.
         */
        Optional<Path> clientSecretFile();

        /** The longest wait for a connection to Keycloak or for one answer of it. */
        @WithDefault("5s")
        Duration timeout();

        /** How often a replica looks for owners to provision or remove; a new tenant triggers a pass at once. */
        @WithDefault("1s")
        Duration interval();

        /** Owners worked on in one pass. */
        @WithDefault("20")
        int batchSize();

        /**
         * How long a replica holds an owner it works on; a replica that dies meanwhile leaves it to another after
         * this.
         */
        @WithDefault("30s")
        Duration lease();

        /** The first pause after a failed attempt (Keycloak down); it doubles per attempt up to {@code retry-max}. */
        @WithDefault("1s")
        Duration retryBackoff();

        /** The longest pause between two attempts. */
        @WithDefault("60s")
        Duration retryMax();
    }
}
