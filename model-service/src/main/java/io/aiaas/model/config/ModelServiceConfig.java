package io.aiaas.model.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;

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

    Auth auth();

    Jobs jobs();

    Outbox outbox();

    JobEvents jobEvents();

    interface Auth {
        /** JWKS holding the public keys of the gateway and the workers. Env {@code AIAAS_INTERNAL_JWKS_FILE}. */
        Path jwksFile();

        /**
         * Shortest time between two readings of the JWKS for tokens whose key id it does not hold: a rotated-in key is
         * trusted within this time, and made-up key ids cannot make the service read the file more often.
         */
        @WithDefault("5s")
        Duration jwksRefetchInterval();
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
    }

    interface Outbox {
        /** How often the relay looks for rows nobody published (crash after commit, Kafka down). */
        @WithDefault("2s")
        Duration interval();

        /** Rows published per database transaction. */
        @WithDefault("100")
        int batchSize();

        /** How long the relay waits for Kafka to acknowledge a batch before leaving it for the next round. */
        @WithDefault("30s")
        Duration sendTimeout();
    }

    interface JobEvents {
        /** Whether this replica consumes {@code aiaas.job-events.v1}. */
        @WithDefault("true")
        boolean enabled();

        /** Consumer group; every replica shares it. */
        @WithDefault("aiaas-model-job-events")
        String groupId();

        /** Pause before retrying a record whose database update failed. */
        @WithDefault("1s")
        Duration retryBackoff();
    }
}
