package io.aiaas.model.service;

import io.aiaas.model.repository.JobRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Finds leases that lapsed (a worker killed or hung) and workers that went silent, on every replica every
 * {@code aiaas.model.jobs.sweep-interval}. Each lapsed job is handled in a transaction of its own that skips rows
 * another replica holds, so replicas never handle one job twice nor wait on each other.
 */
@ApplicationScoped
public class JobSweeper {
    private static final Logger LOG = Logger.getLogger(JobSweeper.class);
    private static final int BATCH = 200;

    private final JobRepository jobs;
    private final JobLifecycle lifecycle;
    private final WorkerFleet fleet;

    public JobSweeper(JobRepository jobs, JobLifecycle lifecycle, WorkerFleet fleet) {
        this.jobs = jobs;
        this.lifecycle = lifecycle;
        this.fleet = fleet;
    }

    @Scheduled(
            identity = "job-sweeper",
            every = "${aiaas.model.jobs.sweep-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        try {
            sweepOnce();
        } catch (RuntimeException e) {
            LOG.warnf("sweep failed: %s", e.toString());
        }
    }

    /** One sweep; returns how many lapsed jobs it handled. */
    public int sweepOnce() {
        fleet.markLost();
        List<String> lapsed = QuarkusTransaction.requiringNew().call(() -> jobs.lapsedLeases(Instant.now(), BATCH));
        int handled = 0;
        for (String jobId : lapsed) {
            if (lifecycle.lapse(jobId)) {
                handled++;
            }
        }
        return handled;
    }
}
