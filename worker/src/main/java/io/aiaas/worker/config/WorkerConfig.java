package io.aiaas.worker.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** The worker's configuration, under {@code aiaas.worker.*}. */
@ConfigMapping(prefix = "aiaas.worker")
public interface WorkerConfig {

    /** This worker's id; also names its Kafka transactional id. Default: the host name and a random suffix. */
    Optional<String> id();

    /** Base URL of model-service, for claims and artifacts ({@code AIAAS_MODEL_SERVICE_URL}). */
    String modelServiceUrl();

    /** Where artifacts are unpacked while their model is loaded. Default: a new temporary directory. */
    Optional<Path> cacheDir();

    /**
     * The device to run on: {@code auto} (GPU when the GPU natives see one, else CPU), {@code cpu} or {@code gpu}.
     * It decides the rate a job is billed at.
     */
    @WithDefault("auto")
    String device();

    Auth auth();

    Rates rates();

    Models models();

    ModelCache modelCache();

    Kafka kafka();

    Http http();

    interface Auth {
        /** PKCS#8 PEM private key the worker signs its service tokens with ({@code AIAAS_WORKER_SIGNING_KEY_FILE}). */
        Optional<Path> signingKeyFile();
    }

    /** Compute units per second of run time, by device. */
    interface Rates {
        @WithDefault("1.0")
        double cpu();

        @WithDefault("10.0")
        double gpu();
    }

    interface Models {
        /** Largest unpacked artifact accepted (the largest plan's {@code maxModelBytes}). */
        @WithDefault("4294967296")
        long maxUnpackedBytes();

        /** TensorFlow intra-op threads per session; 1 is fastest for small models. */
        @WithDefault("1")
        int intraOpThreads();

        /** TensorFlow inter-op threads per session. */
        @WithDefault("1")
        int interOpThreads();
    }

    /**
     * The loaded SavedModels ({@code aiaas.worker.model-cache.*}): least recently used out first when either bound is
     * passed; a model still running when it is evicted is closed when its last run ends.
     */
    interface ModelCache {
        /** Most SavedModels kept loaded at once. */
        @WithDefault("4")
        int maxModels();

        /**
         * Most bytes of loaded SavedModels, each weighed by its unpacked size on disk (an estimate of the memory its
         * variables take). A single model larger than this is still loaded, alone.
         */
        @WithDefault("2147483648")
        long maxBytes();

        /**
         * Pause after a model version failed to download or load before it is tried again; requests in the pause get
         * the same failure at once. It doubles with each failure in a row, up to {@code load-retry-backoff-max}.
         */
        @WithDefault("1s")
        Duration loadRetryBackoff();

        @WithDefault("30s")
        Duration loadRetryBackoffMax();
    }

    interface Kafka {
        /** Records fetched per poll: jobs run one after another, so keep it small. */
        @WithDefault("4")
        int maxPollRecords();

        /** Longest time between polls before the group evicts this worker; bounds one batch of jobs. */
        @WithDefault("10m")
        Duration maxPollInterval();

        /** How long one poll waits for records. */
        @WithDefault("500ms")
        Duration pollTimeout();

        /** First pause before a job is retried after model-service or Kafka failed; doubles up to the maximum. */
        @WithDefault("1s")
        Duration retryBackoff();

        @WithDefault("30s")
        Duration retryBackoffMax();
    }

    interface Http {
        /** Connect timeout for calls to model-service. */
        @WithDefault("5s")
        Duration connectTimeout();

        /** Timeout of a claim and of a readiness probe: the longest wait for model-service's answer. */
        @WithDefault("10s")
        Duration requestTimeout();

        /**
         * Read timeout of an artifact download: the longest model-service may stay silent, before or within the body.
         * A large archive may take as long as it needs, as long as bytes keep coming.
         */
        @WithDefault("60s")
        Duration artifactReadTimeout();
    }
}
