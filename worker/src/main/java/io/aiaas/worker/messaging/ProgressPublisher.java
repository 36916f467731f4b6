package io.aiaas.worker.messaging;

import io.aiaas.common.events.JobEvent;
import io.aiaas.common.events.JobProgress;
import io.aiaas.common.events.JobStatus;
import io.aiaas.messaging.KafkaSettings;
import io.aiaas.worker.config.WorkerIdentity;
import io.aiaas.worker.service.JobProgressSink;
import io.aiaas.worker.service.RunningJob;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.jboss.logging.Logger;

/**
 * Sends running jobs' progress events ({@code running} with {@code progress}) to {@link io.aiaas.common.events.Topics#JOB_EVENTS},
 * outside any transaction: a progress event is worth showing but not worth a transaction, and a lost one is followed
 * by the next. Its id {@code <jobId>-<attempt>-<seq>} orders it among the attempt's events, so model-service ignores
 * one that arrives after the job's end. Created on the first event (a worker that runs no long job opens no
 * producer).
 */
@Singleton
public class ProgressPublisher implements JobProgressSink {
    private static final Logger LOG = Logger.getLogger(ProgressPublisher.class);

    private final KafkaSettings settings;
    private final WorkerIdentity identity;
    private Producer<String, String> producer;

    public ProgressPublisher(KafkaSettings settings, WorkerIdentity identity) {
        this.settings = settings;
        this.identity = identity;
    }

    @Override
    public void progress(RunningJob job, JobProgress progress) {
        if (job.dropped()) {
            return;
        }
        JobEvent event = new JobEvent(
                job.nextEventId(),
                job.jobId(),
                job.job().tenantId(),
                job.attempt(),
                JobStatus.RUNNING,
                progress,
                null,
                null,
                null,
                identity.workerId(),
                Instant.now());
        producer().send(JobRecords.progress(job, event), (metadata, error) -> {
            if (error != null) {
                LOG.debugf("progress of job %s not sent: %s", job.jobId(), error.getMessage());
            }
        });
    }

    private synchronized Producer<String, String> producer() {
        if (producer == null) {
            producer = new KafkaProducer<>(settings.producer("aiaas-worker-progress-" + identity.workerId()));
        }
        return producer;
    }

    @PreDestroy
    synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }
}
