package io.aiaas.worker.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.events.JobRequest;
import io.aiaas.common.events.JobType;
import io.aiaas.common.events.JobUsage;
import io.aiaas.common.events.UsageData;
import io.aiaas.common.json.Json;
import io.aiaas.common.oip.InferenceResponse;
import io.aiaas.worker.inference.ComputeDevice;
import io.aiaas.worker.inference.InferenceEngine;
import io.aiaas.worker.inference.ModelCache;
import io.aiaas.worker.inference.ModelLease;
import io.aiaas.worker.inference.Prediction;
import jakarta.inject.Singleton;

/** Inference on the inputs carried in the job itself; the result is an Open Inference Protocol response. */
@Singleton
public class InlineInferenceRunner implements JobRunner {
    private final ModelCache models;
    private final InferenceEngine engine;
    private final ComputeDevice device;

    public InlineInferenceRunner(ModelCache models, InferenceEngine engine, ComputeDevice device) {
        this.models = models;
        this.engine = engine;
        this.device = device;
    }

    @Override
    public boolean handles(JobRequest job) {
        return job.type() == JobType.INFERENCE && job.datasetId() == null;
    }

    @Override
    public JobOutcome run(JobRequest job) {
        if (job.modelId() == null || job.version() == null) {
            throw JobFailedException.unprocessable("The job names no model version.");
        }
        if (job.inputs() == null) {
            throw JobFailedException.unprocessable("The job carries no inputs.");
        }
        String signature =
                job.signature() != null ? job.signature() : job.inputs().signatureName();
        Prediction prediction;
        try (ModelLease lease = models.acquire(job.modelId(), job.version(), job.tenantId(), job.requestId())) {
            prediction = engine.predict(lease.model(), signature, job.inputs());
        }

        String modelName = job.model() != null ? job.model() : job.modelId();
        InferenceResponse response = new InferenceResponse(
                modelName, String.valueOf(job.version()), job.inputs().id(), null, prediction.outputs());
        JsonNode result = Json.mapper().valueToTree(response);
        String deviceName = device.name();
        long units = UsageData.units(prediction.computeMillis(), device.rate());
        JobUsage usage = new JobUsage(prediction.computeMillis(), prediction.examples(), units, deviceName);
        UsageData billed = new UsageData(
                job.tenantId(),
                job.jobId(),
                job.requestId(),
                modelName,
                job.version(),
                deviceName,
                prediction.examples(),
                prediction.computeMillis(),
                units);
        return new JobOutcome.Succeeded(result, usage, billed);
    }
}
