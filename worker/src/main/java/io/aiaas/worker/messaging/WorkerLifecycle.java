package io.aiaas.worker.messaging;

import io.aiaas.common.events.Topics;
import io.aiaas.worker.client.Release;
import io.aiaas.worker.client.ServiceTokens;
import io.aiaas.worker.config.WorkerConfig;
import io.aiaas.worker.config.WorkerIdentity;
import io.aiaas.worker.inference.ComputeDevice;
import io.aiaas.worker.service.JobExecution;
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
 * Starts the worker's loops in order (results publisher, control reader, heartbeat, then the intake) and drains it on
 * shutdown: the intake stops, the heartbeat reports {@code draining}, running jobs get up to
 * {@code aiaas.worker.shutdown-grace} to finish and publish, and what still runs is released ({@code shutdown}, no
 * attempt burns) so that another worker takes it at once.
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
        LOG.infof("worker %s (incarnation %s) consuming %s", identity.workerId(), identity.incarnation(), Topics.JOBS);
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
