package io.aiaas.worker.messaging;

import io.aiaas.common.events.Topics;
import io.aiaas.worker.client.Release;
import io.aiaas.worker.client.ServiceTokens;
import io.aiaas.worker.config.WorkerConfig;
import io.aiaas.worker.config.WorkerIdentity;
import io.aiaas.worker.inference.ComputeDevice;
import io.aiaas.worker.service.JobExecution;
import io.aiaas.worker.service.OnlinePredictor;
import io.aiaas.worker.service.RunningJob;
import io.aiaas.worker.service.RunningJobs;
import io.aiaas.worker.service.WorkerHeartbeat;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Starts the worker's loops in order (results publisher, control reader, heartbeat, the job intake, then the online
 * prediction loops: reply producer, model-events reader, prediction intake) and drains it on shutdown: the heartbeat
 * reports {@code draining}, the prediction intake leaves its group (its partitions move at once) and queued
 * predictions get 2 s, the job intake stops, running jobs get up to {@code aiaas.worker.shutdown-grace} to finish and
 * publish, and what still runs is released ({@code shutdown}, no attempt burns) so that another worker takes it at
 * once.
 */
@Singleton
public class WorkerLifecycle {
    private static final Logger LOG = Logger.getLogger(WorkerLifecycle.class);

    private final ServiceTokens tokens;
    private final ComputeDevice device;
    private final WorkerIdentity identity;
    private final ResultsPublisher publisher;
    private final JobControlReader control;
    private final WorkerHeartbeat heartbeat;
    private final JobIntake intake;
    private final JobExecution execution;
    private final RunningJobs running;
    private final PredictReplyPublisher replies;
    private final PredictIntake predictIntake;
    private final ModelEventsReader modelEvents;
    private final OnlinePredictor predictor;
    private final boolean predictions;
    private final Duration grace;
    private final java.util.concurrent.atomic.AtomicBoolean drained = new java.util.concurrent.atomic.AtomicBoolean();

    public WorkerLifecycle(
            ServiceTokens tokens,
            ComputeDevice device,
            WorkerIdentity identity,
            ResultsPublisher publisher,
            JobControlReader control,
            WorkerHeartbeat heartbeat,
            JobIntake intake,
            JobExecution execution,
            RunningJobs running,
            PredictReplyPublisher replies,
            PredictIntake predictIntake,
            ModelEventsReader modelEvents,
            OnlinePredictor predictor,
            WorkerConfig config) {
        this.tokens = tokens;
        this.device = device;
        this.identity = identity;
        this.publisher = publisher;
        this.control = control;
        this.heartbeat = heartbeat;
        this.intake = intake;
        this.execution = execution;
        this.running = running;
        this.replies = replies;
        this.predictIntake = predictIntake;
        this.modelEvents = modelEvents;
        this.predictor = predictor;
        this.predictions = config.predict().enabled();
        this.grace = config.shutdownGrace();
    }

    void onStart(@Observes StartupEvent event) {
        tokens.check();
        // Loads the TensorFlow natives and decides the device before the first job.
        device.name();
        publisher.start();
        control.start();
        heartbeat.start();
        intake.start();
        if (predictions) {
            replies.start();
            modelEvents.start();
            predictIntake.start();
        }
        LOG.infof(
                "worker %s (incarnation %s) consuming %s%s",
                identity.workerId(),
                identity.incarnation(),
                Topics.JOBS,
                predictions ? " and " + Topics.PREDICT_REQUESTS : "");
    }

    void onStop(@Observes ShutdownEvent event) {
        drain();
    }

    /** Graceful shutdown; see the class comment. */
    public void drain() {
        if (!drained.compareAndSet(false, true)) {
            return;
        }
        LOG.infof("worker %s draining: %d jobs running", identity.workerId(), running.size());
        heartbeat.draining();
        // Predictions first: leaving their group moves the request partitions to other workers at once, and what
        // is queued here finishes within seconds (requests have deadlines of seconds).
        predictIntake.stop(Duration.ofSeconds(5));
        modelEvents.stop();
        predictor.stop(Duration.ofSeconds(2));
        replies.close();
        intake.stop(Duration.ofSeconds(10));
        execution.stopTaking();
        long until = System.nanoTime() + grace.toNanos();
        try {
            while ((execution.inFlight() > 0 || !running.isEmpty()) && System.nanoTime() < until) {
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (RunningJob job : running.held()) {
            execution.release(job, Release.SHUTDOWN, null);
        }
        publisher.stop(Duration.ofSeconds(10));
        heartbeat.stop();
        control.stop();
        execution.shutdownNow();
        LOG.infof("worker %s stopped", identity.workerId());
    }
}
