package io.aiaas.model.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Configuration of model-service, under {@code aiaas.model.*}. */
@ConfigMapping(prefix = "aiaas.model")
public interface ModelServiceConfig {

    /**
     * Where accepted archives live, as {@code <dir>/<owner>/<modelId>/<version>/model.zip|model.tar.gz}; uploads are
     * staged in {@code <dir>/.staging} so that accepting one is a rename on the same file system. Env
     * {@code AIAAS_ARTIFACT_DIR}.
     */
    Path artifactDir();

    /**
     * Largest model archive, and largest unpacked size, this service accepts (bytes): the cap over every plan's
     * {@code maxModelBytes} (a tenant's uploads are bounded by the smaller of the two) and the limit of administrators'
     * platform-catalogue uploads, which carry no plan. Default: the largest seeded plan's (4 GiB).
     */
    @WithDefault("4294967296")
    long maxModelBytes();

    /** tenant-service's base URL, for compute-unit reservations. Env {@code AIAAS_TENANT_SERVICE_URL}. */
    @WithDefault("http://localhost:8081")
    String tenantServiceUrl();

    Auth auth();

    Jobs jobs();

    Quota quota();

    Outbox outbox();

    JobEvents jobEvents();

    TenantEvents tenantEvents();

    Purge purge();

    interface Auth {
        /** JWKS holding the public keys of the gateway and the workers. Env {@code AIAAS_INTERNAL_JWKS_FILE}. */
        Path jwksFile();

        /**
         * Shortest time between two readings of the JWKS for tokens whose key id it does not hold: a rotated-in key is
         * trusted within this time, and made-up key ids cannot make the service read the file more often.
         */
        @WithDefault("5s")
        Duration jwksRefetchInterval();

        /**
         * PKCS#8 PEM private key model-service signs its service tokens with (calls to tenant-service); its public key
         * is in the shared JWKS. Env {@code AIAAS_MODEL_SERVICE_SIGNING_KEY_FILE}; required while
         * {@code aiaas.model.quota.enabled}.
         */
        Optional<Path> signingKeyFile();
    }

    /**
     * The monthly compute-unit quota: before a job is stored, its estimated units are reserved at tenant-service
     * (docs/internal-contracts.md). The estimate is {@code inline-units} for inline inference, plus
     * {@code ceil(rows × batch-units-per-row)} for batch inference, plus {@code ceil(rows × epochs ×
     * training-units-per-example-epoch)} for training; the job's usage event replaces it with what the job used.
     */
    interface Quota {
        /** Whether jobs reserve compute units; off only where no tenant-service runs (this module's own tests). */
        @WithDefault("true")
        boolean enabled();

        /** Units reserved for an inline inference job, and the base of every other estimate. */
        @WithDefault("5")
        long inlineUnits();

        /** Units per dataset row added for a batch inference job. */
        @WithDefault("0.01")
        double batchUnitsPerRow();

        /** Units per dataset row and epoch added for a training job. */
        @WithDefault("0.01")
        double trainingUnitsPerExampleEpoch();

        /**
         * Added to a job's runtime bound to make its reservation's lifetime: how long a job may wait queued. A
         * reservation whose job never ends (its usage event never comes) expires after this lifetime.
         */
        @WithDefault("1h")
        Duration queueAllowance();

        /** How long a reservation call may take, connection included, before the job is refused with a 503. */
        @WithDefault("3s")
        Duration timeout();

        /** {@code Retry-After} of the 503 a job gets while tenant-service cannot be reached. */
        @WithDefault("5")
        int retryAfterSeconds();
    }

    interface Jobs {
        /** Claims a job gets before model-service marks it failed. */
        @WithDefault("3")
        int maxAttempts();

        /**
         * Largest inline inference request (bytes of JSON); inline inputs travel in a Kafka record, so this stays
         * under the broker's {@code message.max.bytes}. Larger inputs belong in datasets and batch jobs.
         */
        @WithDefault("33554432")
        long maxRequestBytes();

        /**
         * How many jobs of a tenant run at once when its token carries no plan (components, tests); a plan's
         * {@code concurrentJobs} otherwise.
         */
        @WithDefault("4")
        int defaultConcurrentJobs();

        /** The platform's cap on a job's {@code maxRuntimeSeconds}, and the bound of jobs that give none. */
        @WithDefault("86400")
        int maxRuntimeSeconds();

        /**
         * How often the scheduler looks for waiting jobs by itself (work submitted on other replicas, slots freed
         * there); a submission on this replica wakes it at once.
         */
        @WithDefault("1s")
        Duration scheduleInterval();

        /** The most jobs of one tenant dispatched in one transaction. */
        @WithDefault("500")
        int dispatchBatch();

        /** How long a claim or heartbeat lets a worker hold a job; a lease not renewed in time lapses. */
        @WithDefault("30s")
        Duration leaseDuration();

        /** How often lapsed leases and silent workers are looked for (on every replica). */
        @WithDefault("1s")
        Duration sweepInterval();

        /** A worker without a heartbeat for this long is shown {@code lost}; default: the lease duration. */
        Optional<Duration> workerLostAfter();
    }

    /**
     * The consumer of {@code aiaas.tenant-events.v1} that holds suspended tenants' waiting jobs and records deleted
     * tenants' purges.
     */
    interface TenantEvents {
        /** Whether this replica consumes tenant events. */
        @WithDefault("true")
        boolean enabled();

        /** Consumer group; every replica shares it. */
        @WithDefault("aiaas-model-tenant-events")
        String groupId();
    }

    /**
     * The background purge of deleted tenants' objects ({@code TenantPurger}): every replica looks for open purges,
     * and each purge is worked by one replica at a time, in small committed chunks.
     */
    interface Purge {
        /** How often a replica looks for open purges (a purge that waits for running jobs is looked at again then). */
        @WithDefault("5s")
        Duration interval();

        /** Rows of one kind (jobs, aliases, versions, models, datasets, idempotency keys) deleted per transaction. */
        @WithDefault("100")
        int chunkSize();

        /**
         * How long after the deletion a purge waits for the tenant's running jobs to end once they were told to
         * cancel; past it their rows go anyway (their workers then learn at the next heartbeat that they lost them).
         */
        @WithDefault("60s")
        Duration runningJobGrace();
    }

    /** The relay that publishes job requests from the outbox table to {@code aiaas.jobs.v1}. */
    interface Outbox {
        /**
         * How often the publishing replica looks for rows nobody announced (another replica's writes, a crash between
         * commit and publish, Kafka down); a commit on this replica triggers a pass at once.
         */
        @WithDefault("1s")
        Duration interval();

        /** Rows read, sent and deleted together (one DELETE per batch). */
        @WithDefault("100")
        int batchSize();

        /** How long the relay waits for Kafka to acknowledge a batch before leaving its rest for the next pass. */
        @WithDefault("15s")
        Duration sendTimeout();

        /** How often a replica that does not publish tries to take over (the publisher holds a database lock). */
        @WithDefault("1s")
        Duration leaderRetry();
    }

    interface JobEvents {
        /** Whether this replica consumes {@code aiaas.job-events.v1}. */
        @WithDefault("true")
        boolean enabled();

        /** Consumer group; every replica shares it. */
        @WithDefault("aiaas-model-job-events")
        String groupId();

        /**
         * First pause before a record whose database update failed, or a failed consumer, is tried again; it doubles
         * with each consecutive failure up to {@code retry-backoff-max}.
         */
        @WithDefault("1s")
        Duration retryBackoff();

        /** The longest pause between two attempts. */
        @WithDefault("30s")
        Duration retryBackoffMax();

        /** How long one poll of the topic waits for records. */
        @WithDefault("1s")
        Duration pollTimeout();

        /**
         * The longest a batch of events may take before the group gives this replica's partitions to another (Kafka's
         * {@code max.poll.interval.ms}); the consumer then starts anew and the batch is redelivered.
         */
        @WithDefault("5m")
        Duration maxPollInterval();
    }
}
