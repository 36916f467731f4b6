package io.aiaas.worker.service;

import io.aiaas.worker.client.Heartbeat;
import io.aiaas.worker.client.ModelServiceClient;
import io.aiaas.worker.client.ModelServiceUnavailableException;
import io.aiaas.worker.config.WorkerConfig;
import io.aiaas.worker.config.WorkerIdentity;
import io.aiaas.worker.inference.ComputeDevice;
import io.aiaas.worker.inference.ModelCache;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Tells model-service every {@code aiaas.worker.heartbeat-interval} that this worker lives, what it runs and holds
 * loaded; model-service renews the leases of the listed jobs and answers which of them the tenant cancelled and which
 * this worker no longer holds (lost: they stop and publish nothing).
 */
@Singleton
public class WorkerHeartbeat {
    private static final Logger LOG = Logger.getLogger(WorkerHeartbeat.class);

    private final ModelServiceClient modelService;
    private final WorkerIdentity identity;
    private final RunningJobs running;
    private final ModelCache models;
    private final ComputeDevice device;
    private final Duration interval;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "aiaas-heartbeat");
        t.setDaemon(true);
        return t;
    });
    private volatile String status = Heartbeat.ACTIVE;
    private volatile Instant lastBeat = Instant.now();
    private volatile boolean started;

    public WorkerHeartbeat(
            WorkerConfig config,
            ModelServiceClient modelService,
            WorkerIdentity identity,
            RunningJobs running,
            ModelCache models,
            ComputeDevice device) {
        this.modelService = modelService;
        this.identity = identity;
        this.running = running;
        this.models = models;
        this.device = device;
        this.interval = config.heartbeatInterval();
    }

    public synchronized void start() {
        if (!started) {
            started = true;
            timer.scheduleWithFixedDelay(this::beat, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** From now on the worker reports {@code draining}; tells model-service at once. */
    public void draining() {
        status = Heartbeat.DRAINING;
        timer.execute(this::beat);
    }

    public void stop() {
        timer.shutdownNow();
    }

    /** When the heartbeat thread last came round (liveness); a beat is bounded by the HTTP timeouts. */
    public Instant lastBeat() {
        return lastBeat;
    }

    /** The heartbeat this worker sends now. */
    public Heartbeat.Request heartbeat() {
        List<Heartbeat.RunningJob> jobs = running.held().stream()
                .map(j -> new Heartbeat.RunningJob(j.jobId(), j.attempt()))
                .toList();
        return new Heartbeat.Request(
                identity.incarnation(), device.name(), deviceName(), status, jobs, models.loadedModels());
    }

    void beat() {
        lastBeat = Instant.now();
        try {
            apply(modelService.heartbeat(heartbeat()));
        } catch (ModelServiceUnavailableException e) {
            // The leases run on until they lapse; the next beat tries again.
            LOG.warnf("heartbeat failed: %s", e.getMessage());
        } catch (RuntimeException e) {
            LOG.errorf(e, "heartbeat failed");
        } finally {
            lastBeat = Instant.now();
        }
    }

    void apply(Heartbeat.Answer answer) {
        for (String jobId : answer.cancelled()) {
            running.get(jobId).ifPresent(RunningJob::cancel);
        }
        for (String jobId : answer.lostJobs()) {
            running.get(jobId).ifPresent(job -> {
                LOG.warnf("job %s attempt %d is no longer this worker's; stopping it", jobId, job.attempt());
                job.lose();
            });
        }
    }

    /** What the device is, for operators: the CPU's model name, or the GPU's kind. */
    private String deviceName() {
        if (ComputeDevice.GPU.equals(device.name())) {
            return "GPU";
        }
        return CpuName.VALUE;
    }

    /** Read once: the CPU model name from {@code /proc/cpuinfo}, else the architecture and core count. */
    private static final class CpuName {
        static final String VALUE = read();

        private static String read() {
            String fallback =
                    System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " cores";
            try {
                return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                        .filter(line -> line.startsWith("model name"))
                        .map(line -> line.substring(line.indexOf(':') + 1).trim())
                        .findFirst()
                        .map(name -> name.length() > 200 ? name.substring(0, 200) : name)
                        .orElse(fallback);
            } catch (IOException | RuntimeException e) {
                return fallback;
            }
        }
    }
}
