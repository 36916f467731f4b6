package io.aiaas.worker.health;

import io.aiaas.worker.config.WorkerIdentity;
import io.aiaas.worker.messaging.JobConsumer;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** Live while the job loop thread lives. */
@Liveness
@Singleton
public class WorkerLiveness implements HealthCheck {
    private final JobConsumer jobs;
    private final WorkerIdentity identity;

    public WorkerLiveness(JobConsumer jobs, WorkerIdentity identity) {
        this.jobs = jobs;
        this.identity = identity;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("job-loop")
                .status(jobs.alive())
                .withData("workerId", identity.workerId())
                .build();
    }
}
