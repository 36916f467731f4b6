package io.aiaas.worker.service;

import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The jobs this worker holds leases of, from their claim until their terminal event is committed (or they are released
 * or lost): what the heartbeat lists, and where cancellations and lost leases are flagged.
 */
@Singleton
public class RunningJobs {
    private final Map<String, RunningJob> jobs = new ConcurrentHashMap<>();

    public void add(RunningJob job) {
        jobs.put(job.jobId(), job);
    }

    /** The job is over here (its result committed, or it was released or lost). */
    public void remove(RunningJob job) {
        jobs.remove(job.jobId(), job);
    }

    public Optional<RunningJob> get(String jobId) {
        return Optional.ofNullable(jobs.get(jobId));
    }

    /** The jobs held now, except those already dropped. */
    public List<RunningJob> held() {
        return jobs.values().stream().filter(j -> !j.dropped()).toList();
    }

    public int size() {
        return jobs.size();
    }

    public boolean isEmpty() {
        return jobs.isEmpty();
    }
}
