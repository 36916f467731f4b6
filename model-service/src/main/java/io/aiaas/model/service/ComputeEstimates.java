package io.aiaas.model.service;

import io.aiaas.common.events.JobRequest;
import io.aiaas.common.events.JobType;
import io.aiaas.common.json.Json;
import io.aiaas.common.training.TrainingSpecs;
import io.aiaas.model.config.ModelServiceConfig;
import io.aiaas.model.domain.Dataset;
import io.aiaas.model.domain.Job;
import io.aiaas.model.repository.DatasetRepository;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * What an admitted job reserves of its tenant's monthly compute units, and for how long (see
 * {@link ModelServiceConfig.Quota}): a fixed amount for inline inference, more per dataset row for batch inference,
 * per row and epoch for training. The estimate only holds room; the job's usage event bills what it used.
 */
@ApplicationScoped
public class ComputeEstimates {
    private final ModelServiceConfig config;
    private final DatasetRepository datasets;

    public ComputeEstimates(ModelServiceConfig config, DatasetRepository datasets) {
        this.config = config;
        this.datasets = datasets;
    }

    /** The units to reserve for an admitted job (its dataset was checked by admission). */
    public long units(Job job) {
        ModelServiceConfig.Quota q = config.quota();
        long base = q.inlineUnits();
        if (job.datasetId == null) {
            return base;
        }
        long rows = datasets.findOwnedForJob(job.tenantId, job.datasetId)
                .map((Dataset d) -> d.rows)
                .orElse(0L);
        if (JobType.TRAINING.wire().equals(job.type)) {
            JobRequest request = Json.read(job.request, JobRequest.class);
            int epochs = TrainingSpecs.planOf(request.spec()).epochs();
            return base + (long) Math.ceil((double) rows * epochs * q.trainingUnitsPerExampleEpoch());
        }
        return base + (long) Math.ceil(rows * q.batchUnitsPerRow());
    }

    /** How long the reservation holds: the job's runtime bound and the time it may wait queued. */
    public Duration lifetime(Job job) {
        int cap = config.jobs().maxRuntimeSeconds();
        int runtime = job.maxRuntimeSeconds == null ? cap : Math.min(job.maxRuntimeSeconds, cap);
        return Duration.ofSeconds(runtime).plus(config.quota().queueAllowance());
    }
}
