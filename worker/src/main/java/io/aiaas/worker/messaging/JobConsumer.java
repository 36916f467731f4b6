package io.aiaas.worker.messaging;

import io.aiaas.common.events.JobEvent;
import io.aiaas.common.events.JobRequest;
import io.aiaas.common.events.JobStatus;
import io.aiaas.common.events.Topics;
import io.aiaas.common.events.UsageEvent;
import io.aiaas.common.json.Json;
import io.aiaas.messaging.Backoff;
import io.aiaas.messaging.KafkaSettings;
import io.aiaas.messaging.consumer.Batch;
import io.aiaas.messaging.consumer.BatchHandler;
import io.aiaas.messaging.consumer.ConsumerLoop;
import io.aiaas.messaging.consumer.Delivery;
import io.aiaas.messaging.consumer.RecordDecoder;
import io.aiaas.messaging.trace.KafkaTracing;
import io.aiaas.worker.client.ClaimResult;
import io.aiaas.worker.client.ModelServiceClient;
import io.aiaas.worker.client.ModelServiceUnavailableException;
import io.aiaas.worker.client.ServiceTokens;
import io.aiaas.worker.config.WorkerConfig;
import io.aiaas.worker.config.WorkerIdentity;
import io.aiaas.worker.inference.ComputeDevice;
import io.aiaas.worker.service.JobDispatcher;
import io.aiaas.worker.service.JobFailedException;
import io.aiaas.worker.service.JobOutcome;
import io.aiaas.worker.service.WorkerMetrics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.header.Headers;
import org.jboss.logging.Logger;

/**
 * The worker's job loop, on the messaging module's {@link ConsumerLoop} (group {@value #GROUP_ID}, offsets committed
 * in the worker's own Kafka transactions): consume a job, claim it at model-service, publish {@code running} in a short
 * transaction, run it outside any transaction, then commit the terminal event, the usage event and the consumed offset
 * in one transaction. Anything transient leaves the job's offset uncommitted and the loop reads it again after a
 * backoff (at least once; the claim's attempt counter and model-service's event rules make it take effect once). A
 * fenced or broken producer restarts both clients.
 */
@Singleton
public class JobConsumer implements BatchHandler<JobRequest> {
    /** Consumer group of all workers: each job goes to one of them. */
    public static final String GROUP_ID = "aiaas-workers";

    private static final Logger LOG = Logger.getLogger(JobConsumer.class);
    /** Leaves room for the envelope and headers when a result is checked against the record size limit. */
    private static final int RESULT_HEADROOM_BYTES = 64 * 1024;

    private static final RecordDecoder<JobRequest> JOB_REQUEST = RecordDecoder.json(JobRequest.class);

    /** The job must wait (model-service unreachable, a transaction aborted): its record is read again later. */
    private static final class JobMustWait extends RuntimeException {
        JobMustWait(String message, Throwable cause) {
            // The cause lets the loop recognise a group that moved on (then only a new consumer helps).
            super(message, cause, false, false);
        }
    }

    private final KafkaSettings settings;
    private final KafkaTracing tracing;
    private final WorkerIdentity identity;
    private final ServiceTokens tokens;
    private final ModelServiceClient modelService;
    private final JobDispatcher dispatcher;
    private final ComputeDevice device;
    private final WorkerMetrics metrics;
    private final ConsumerLoop<JobRequest> loop;

    private volatile boolean transactionsReady;
    /** Used on the loop's thread only. */
    private KafkaProducer<String, String> producer;

    public JobConsumer(
            KafkaSettings settings,
            KafkaTracing tracing,
            WorkerConfig config,
            WorkerIdentity identity,
            ServiceTokens tokens,
            ModelServiceClient modelService,
            JobDispatcher dispatcher,
            ComputeDevice device,
            WorkerMetrics metrics) {
        this.settings = settings;
        this.tracing = tracing;
        this.identity = identity;
        this.tokens = tokens;
        this.modelService = modelService;
        this.dispatcher = dispatcher;
        this.device = device;
        this.metrics = metrics;
        WorkerConfig.Kafka kafka = config.kafka();
        this.loop = ConsumerLoop.builder("jobs", settings, JobConsumer::parse, this)
                .topics(Topics.JOBS)
                .group(GROUP_ID, ConsumerLoop.CommitMode.HANDLER_TRANSACTION)
                .consumerProperty(ConsumerConfig.CLIENT_ID_CONFIG, "aiaas-worker-" + identity.workerId())
                .consumerProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, kafka.maxPollRecords())
                .consumerProperty(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int)
                        kafka.maxPollInterval().toMillis())
                .pollTimeout(kafka.pollTimeout())
                .backoff(new Backoff(kafka.retryBackoff(), kafka.retryBackoffMax()))
                .tracing(tracing)
                .build();
    }

    void onStart(@Observes StartupEvent event) {
        tokens.check();
        loop.start();
        LOG.infof("worker %s consuming %s", identity.workerId(), Topics.JOBS);
    }

    void onStop(@Observes ShutdownEvent event) {
        loop.close();
    }

    /** Whether the loop's thread runs (liveness). */
    public boolean alive() {
        return loop.state().running();
    }

    /** Whether the transactional producer is initialised and the loop runs (part of readiness). */
    public boolean transactionsReady() {
        return transactionsReady && alive();
    }

    /** The loop's state: DOWN while it cannot consume. */
    public ConsumerLoop.State state() {
        return loop.state();
    }

    /** A new consumer: a new transactional producer with it, which fences any zombie of this worker. */
    @Override
    public void consumerStarted() {
        // Loads the TensorFlow natives and decides the device before the first job.
        device.name();
        KafkaProducer<String, String> p = new KafkaProducer<>(
                settings.transactionalProducer("aiaas-worker-" + identity.workerId(), identity.transactionalId()));
        try {
            p.initTransactions();
        } catch (RuntimeException e) {
            p.close(Duration.ZERO);
            throw e;
        }
        producer = p;
        transactionsReady = true;
    }

    @Override
    public void consumerStopped() {
        transactionsReady = false;
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }

    @Override
    public void handle(Batch<JobRequest> batch) throws Exception {
        batch.each(delivery -> {
            try {
                handle(batch, delivery);
            } catch (JobMustWait e) {
                metrics.jobRetried();
                throw e;
            }
        });
    }

    private void handle(Batch<JobRequest> batch, Delivery<JobRequest> delivery) {
        JobRequest job = delivery.value();
        Map<TopicPartition, OffsetAndMetadata> next = batch.offsetsThrough(delivery);

        ClaimResult claim;
        try {
            claim = modelService.claim(job.jobId(), job.tenantId(), job.requestId());
        } catch (ModelServiceUnavailableException e) {
            throw new JobMustWait("cannot claim job " + job.jobId() + " now: " + e.getMessage(), null);
        }
        if (!claim.proceed()) {
            LOG.infof("job %s not to run (status %s, attempt %d)", job.jobId(), claim.status(), claim.attempt());
            transaction(() -> producer.sendOffsetsToTransaction(next, batch.groupMetadata()), "skip " + job.jobId());
            return;
        }

        int attempt = claim.attempt();
        Headers headers = JobRecords.propagated(delivery, tracing);
        JobEvent running = JobRecords.running(job, attempt, identity.workerId(), Instant.now());
        transaction(() -> producer.send(JobRecords.jobEvent(running, headers)), "running " + job.jobId());

        JobOutcome outcome;
        try {
            outcome = dispatcher.run(job);
        } catch (ModelServiceUnavailableException e) {
            throw new JobMustWait("job " + job.jobId() + " must wait: " + e.getMessage(), null);
        }
        JobEvent terminal = boundedTerminal(job, attempt, outcome);
        boolean success = terminal.status() == JobStatus.SUCCEEDED;
        transaction(
                () -> {
                    producer.send(JobRecords.jobEvent(terminal, headers));
                    if (success) {
                        JobOutcome.Succeeded ok = (JobOutcome.Succeeded) outcome;
                        UsageEvent usage = UsageEvent.forJob(job.jobId(), job.type(), ok.billed(), terminal.at());
                        producer.send(JobRecords.usage(usage, headers));
                    }
                    producer.sendOffsetsToTransaction(next, batch.groupMetadata());
                },
                "result of " + job.jobId());
        String type = job.type() == null ? "unknown" : job.type().wire();
        metrics.jobProcessed(type, terminal.status().wire());
        if (!success) {
            metrics.jobFailed(type, terminal.error().type());
        }
        LOG.infof(
                "job %s attempt %d %s", job.jobId(), attempt, terminal.status().wire());
    }

    /** The terminal event, or a failure in its place when the result would not fit in one record. */
    private JobEvent boundedTerminal(JobRequest job, int attempt, JobOutcome outcome) {
        Instant now = Instant.now();
        JobEvent event = JobRecords.terminal(job, attempt, outcome, identity.workerId(), now);
        if (outcome instanceof JobOutcome.Succeeded
                && Json.write(event).getBytes(StandardCharsets.UTF_8).length
                        > KafkaSettings.MAX_RECORD_BYTES - RESULT_HEADROOM_BYTES) {
            return JobRecords.terminal(
                    job,
                    attempt,
                    JobOutcome.failed(
                            JobFailedException.UNPROCESSABLE,
                            "The result is too large to return inline; use a batch inference job."),
                    identity.workerId(),
                    now);
        }
        return event;
    }

    /** A job request, or a failure that makes the loop log the record's position and skip it. */
    static JobRequest parse(ConsumerRecord<String, byte[]> record) throws Exception {
        JobRequest job = JOB_REQUEST.decode(record);
        if (job.jobId() == null || job.jobId().isBlank() || job.type() == null) {
            throw new IllegalArgumentException("no jobId or type");
        }
        return job;
    }

    /**
     * Runs {@code body} in a Kafka transaction.
     *
     * @throws JobMustWait when it was aborted (the record is read again later)
     * @throws ConsumerLoop.RestartRequested when the producer is fenced or broken: both clients are recreated
     */
    private void transaction(Runnable body, String what) {
        try {
            producer.beginTransaction();
            body.run();
            producer.commitTransaction();
        } catch (ProducerFencedException
                | OutOfOrderSequenceException
                | AuthorizationException
                | UnsupportedVersionException e) {
            throw new ConsumerLoop.RestartRequested("the producer cannot go on (" + what + ")", e);
        } catch (KafkaException e) {
            try {
                producer.abortTransaction();
            } catch (KafkaException abortFailure) {
                throw new ConsumerLoop.RestartRequested("the transaction could not be aborted (" + what + ")", e);
            }
            throw new JobMustWait("transaction for " + what + " aborted: " + e, e);
        }
    }
}
