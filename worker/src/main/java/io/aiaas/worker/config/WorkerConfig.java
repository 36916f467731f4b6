package io.aiaas.worker.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** The worker's configuration, under {@code aiaas.worker.*}. */
@ConfigMapping(prefix = "aiaas.worker")
public interface WorkerConfig {

    /**
     * This worker's id ({@code AIAAS_WORKER_ID}); also names its Kafka transactional id {@code aiaas-worker-<id>}.
     * Default: the host name, stable across restarts of one pod, so a restarted worker fences its predecessor. Two
     * worker processes on one host must each be given an id.
     */
    Optional<String> id();

    /** How often the worker tells model-service it lives, renewing the leases of its running jobs. */
    @WithDefault("5s")
    Duration heartbeatInterval();

    /** On shutdown: how long running jobs may take to finish before they are released to other workers. */
    @WithDefault("30s")
    Duration shutdownGrace();

    Concurrency concurrency();

    PlatformRetry platformRetry();

    Liveness liveness();

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

    Batch batch();

    Training training();

    Predict predict();

    /**
     * Online predictions ({@code aiaas.worker.predict.*}): requests from {@code aiaas.predict-requests.v1}, run in
     * batches, answered on {@code aiaas.predict-replies.v1}.
     */
    interface Predict {
        /** Whether this worker serves online predictions at all (a worker meant for jobs only may turn it off). */
        @WithDefault("true")
        boolean enabled();

        /**
         * Most requests run as one TensorFlow run. 1 turns batching off: every request runs alone (the benchmark
         * compares both).
         */
        @WithDefault("64")
        int maxBatchRequests();

        /** Most rows (first dimension, summed over the requests) of one run; a single larger request still runs, alone. */
        @WithDefault("1024")
        int maxBatchRows();

        /**
         * The longest a batch waits for more requests after its first one arrived, while it has room, when the
         * gateway's hint says other predictions of the version were in flight as it sent the request (a lone client's
         * requests say 1 and never wait). Within it, the batch runs as soon as requests pause for
         * {@link #gatherIdle()}, so a burst of concurrent clients meets in few runs even when its requests reach the
         * worker spread over milliseconds. 0 never waits (requests that arrive during a run still meet in the next).
         */
        @WithDefault("0ms")
        Duration maxDelay();

        /**
         * A pause in arrivals this long ends a gathering batch early (see {@link #maxDelay()}); so does the batch
         * holding as many requests as the gateway announced in flight. Longer than the worker's fetch cadence under
         * load, so that requests delivered by successive polls still meet.
         */
        @WithDefault("3ms")
        Duration gatherIdle();

        /**
         * Threads that run models for predictions. 1 is fastest for small models (sessions have one intra-op thread
         * each, see {@code models.*}); more lets several models, or several batches of a large one, run at once.
         */
        @WithDefault("1")
        int inferenceThreads();

        /**
         * Threads that download and load model versions for predictions and preloads, off the poll thread. A slow
         * download holds one (up to {@code http.artifact-read-timeout} of silence): several let other models load
         * meanwhile.
         */
        @WithDefault("4")
        int loaderThreads();

        /** Requests fetched per poll: a burst for one model comes in one poll and runs in one batch. */
        @WithDefault("500")
        int maxPollRecords();

        /**
         * Requests taken in and not yet answered beyond which the intake pauses its partitions (and resumes below
         * half): bounds the memory a burst takes while the runs cannot keep up.
         */
        @WithDefault("10000")
        int maxQueuedRequests();

        /**
         * The consumer group's session timeout: a worker killed without leaving the group loses its request partitions
         * to the others after this long. The broker's {@code group.min.session.timeout.ms} must allow it (deploy/infra's
         * broker allows 1 s; Kafka's default is 6 s).
         */
        @WithDefault("3s")
        Duration sessionTimeout();

        /** How often the consumer tells the group it lives; a third of the session timeout or less. */
        @WithDefault("1s")
        Duration heartbeatInterval();

        /**
         * How often the intake commits the offsets it has taken in: what a partition's next owner reads again after a
         * crash (requests still within their deadline are answered by it).
         */
        @WithDefault("1s")
        Duration autoCommitInterval();
    }

    /** Training jobs. */
    interface Training {
        /**
         * The most feature values (rows × features) a training dataset may hold: it is read into memory whole. The
         * default, 100 million floats, is 400 MB of heap.
         */
        @WithDefault("100000000")
        long maxDatasetValues();
    }

    /** Batch inference: how a job's output goes to model-service. */
    interface Batch {
        /**
         * The shortest time between two parts of a job's output: chunks finished meanwhile go in one part. Shorter
         * shows progress sooner, longer costs model-service fewer transactions. 0 sends a part whenever the previous
         * one is stored.
         */
        @WithDefault("250ms")
        Duration partInterval();

        /** A part is sent once it holds this many bytes, whatever the interval. */
        @WithDefault("8388608")
        int partMaxBytes();
    }

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

    /** Jobs run at once on this worker, by kind; each kind has its own threads, so training never starves inference. */
    interface Concurrency {
        /** Inference jobs at once. Default: the number of cores. */
        Optional<Integer> inference();

        /** Training jobs at once. */
        @WithDefault("1")
        int training();

        /**
         * Inference jobs that may be claimed and wait for a thread beyond those running, as a multiple of the
         * concurrency; when they are all taken the intake pauses its partitions (other workers take the records
         * meanwhile). Inline jobs run in milliseconds, so enough of them must be under way to cover a claim's round
         * trip: with 1, two threads held four jobs and the worker idled between claims. Training jobs never wait.
         */
        @WithDefault("16")
        int queueFactor();
    }

    /**
     * Retries while model-service or the artifact store fails during a claimed job (the lease is held meanwhile, so no
     * attempt burns): pauses double from {@code backoff} to {@code backoff-max}; after {@code give-up-after} the job is
     * released with reason {@code platform}.
     */
    interface PlatformRetry {
        @WithDefault("500ms")
        Duration backoff();

        @WithDefault("5s")
        Duration backoffMax();

        @WithDefault("60s")
        Duration giveUpAfter();
    }

    interface Liveness {
        /**
         * The worker is DOWN (restart it) when its intake, heartbeat or results thread has not come round its loop
         * for longer than this: a hung worker is noticed. Longer than any single blocking Kafka or HTTP call.
         */
        @WithDefault("90s")
        Duration stallAfter();
    }

    interface Kafka {
        /** Records fetched per poll; the intake hands them to the executors and pauses while those are full. */
        @WithDefault("50")
        int maxPollRecords();

        /**
         * Longest time between polls before the group evicts this worker. The intake polls at all times (jobs run on
         * executors), so this only bounds a stuck intake thread.
         */
        @WithDefault("5m")
        Duration maxPollInterval();

        /** Transaction timeout of the results producer: a crashed worker's open transaction is aborted after it. */
        @WithDefault("10s")
        Duration transactionTimeout();

        /** Most jobs' results committed in one Kafka transaction. */
        @WithDefault("500")
        int maxResultsPerTransaction();

        /** How often the intake commits the offsets of records whose claims were answered. */
        @WithDefault("200ms")
        Duration commitInterval();

        /** How long one poll waits for records. */
        @WithDefault("500ms")
        Duration pollTimeout();

        /** First pause before a claim or a consumer/producer is retried after model-service or Kafka failed; doubles up to the maximum. */
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
