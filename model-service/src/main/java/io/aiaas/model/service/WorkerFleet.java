package io.aiaas.model.service;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.events.JobStatus;
import io.aiaas.common.json.Json;
import io.aiaas.common.page.Cursor;
import io.aiaas.common.page.Page;
import io.aiaas.common.page.PageRequest;
import io.aiaas.model.config.ModelServiceConfig;
import io.aiaas.model.domain.Worker;
import io.aiaas.model.repository.JobRepository;
import io.aiaas.model.repository.WorkerRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The worker fleet: heartbeats (which renew the leases of the jobs a worker runs and tell it which to cancel or drop)
 * and the administrators' list.
 */
@ApplicationScoped
public class WorkerFleet {
    /** A job a worker says it runs. */
    public record RunningJob(String jobId, int attempt) {}

    /** What a worker reports every heartbeat interval. */
    public record Heartbeat(
            String incarnation,
            String device,
            String deviceName,
            String status,
            List<RunningJob> runningJobs,
            List<String> loadedModels) {}

    /**
     * @param leaseExpiresAt the renewed leases' new end
     * @param cancel listed jobs being cancelled: stop them, publish {@code cancelled}
     * @param lost listed jobs this worker no longer holds: stop them and publish nothing
     */
    public record HeartbeatAnswer(Instant leaseExpiresAt, List<String> cancel, List<String> lost) {}

    private final WorkerRepository workers;
    private final JobRepository jobs;
    private final ModelServiceConfig config;

    public WorkerFleet(WorkerRepository workers, JobRepository jobs, ModelServiceConfig config) {
        this.workers = workers;
        this.jobs = jobs;
        this.config = config;
    }

    @Transactional
    public HeartbeatAnswer heartbeat(String workerId, Heartbeat beat) {
        if (beat.incarnation() == null
                || beat.incarnation().isBlank()
                || beat.incarnation().length() > 32) {
            throw ApiException.badRequest("Field 'incarnation' is required (at most 32 characters).");
        }
        if (!"cpu".equals(beat.device()) && !"gpu".equals(beat.device())) {
            throw ApiException.unprocessable("'device' is cpu or gpu.");
        }
        if (!Worker.ACTIVE.equals(beat.status()) && !Worker.DRAINING.equals(beat.status())) {
            throw ApiException.unprocessable("'status' is active or draining.");
        }
        List<RunningJob> running = beat.runningJobs() == null ? List.of() : beat.runningJobs();
        if (running.stream().anyMatch(r -> r == null || r.jobId() == null)) {
            throw ApiException.badRequest("Every entry of 'runningJobs' names a 'jobId'.");
        }
        Instant now = now();
        Worker worker = workers.lock(workerId).orElse(null);
        boolean restarted = worker != null && !beat.incarnation().equals(worker.incarnation);
        boolean isNew = worker == null;
        if (isNew) {
            worker = new Worker();
            worker.id = workerId;
            worker.startedAt = now;
        } else if (restarted) {
            worker.startedAt = now;
        }
        worker.incarnation = beat.incarnation();
        worker.device = beat.device();
        worker.deviceName = beat.deviceName();
        worker.status = beat.status();
        worker.runningJobs = running.size();
        worker.loadedModels = Json.write(beat.loadedModels() == null ? List.of() : beat.loadedModels());
        worker.lastHeartbeat = now;
        if (isNew) {
            workers.persist(worker);
        }

        Set<String> listed = running.stream().map(RunningJob::jobId).collect(Collectors.toSet());
        if (restarted) {
            // The process that held these leases is gone: they lapse now, and the sweeper reruns or ends the jobs.
            jobs.lapseLeasesOf(workerId, listed, now);
        }
        Instant until = now.plus(config.jobs().leaseDuration());
        List<String> cancel = new ArrayList<>();
        List<String> lost = new ArrayList<>();
        // In id order, so that two heartbeats never wait on each other's rows.
        for (RunningJob r :
                running.stream().sorted(Comparator.comparing(RunningJob::jobId)).toList()) {
            Optional<String> held = jobs.renewLease(r.jobId(), workerId, r.attempt(), until);
            if (held.isEmpty()) {
                lost.add(r.jobId());
            } else if (JobStatus.CANCELLING.wire().equals(held.get())) {
                cancel.add(r.jobId());
            }
        }
        return new HeartbeatAnswer(until, cancel, lost);
    }

    @Transactional
    public Page<Worker> list(PageRequest page) {
        Cursor after = page.after();
        List<Worker> found = workers.page(
                after == null ? null : after.createdAt(), after == null ? null : after.id(), page.fetchSize());
        return page.page(found, w -> new Cursor(w.lastHeartbeat, w.id), w -> w);
    }

    /** Workers silent for longer than {@code worker-lost-after} are shown {@code lost}. */
    @Transactional
    public int markLost() {
        return workers.markLost(
                now().minus(config.jobs().workerLostAfter().orElse(config.jobs().leaseDuration())));
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
