package io.aiaas.worker.service;

import io.aiaas.common.archive.SavedModelArchive;
import io.aiaas.common.events.JobProgress;
import io.aiaas.common.events.JobRequest;
import io.aiaas.common.events.JobType;
import io.aiaas.common.events.JobUsage;
import io.aiaas.common.events.UsageData;
import io.aiaas.common.json.Json;
import io.aiaas.common.training.TrainingPlan;
import io.aiaas.common.training.TrainingSpecs;
import io.aiaas.worker.client.ModelServiceCalls;
import io.aiaas.worker.client.ModelServiceClient;
import io.aiaas.worker.client.ModelServiceUnavailableException;
import io.aiaas.worker.client.OutputRefusedException;
import io.aiaas.worker.config.WorkerConfig;
import io.aiaas.worker.inference.ComputeDevice;
import io.aiaas.worker.training.EpochMetrics;
import io.aiaas.worker.training.Trainer;
import io.aiaas.worker.training.TrainingCheckpoint;
import io.aiaas.worker.training.TrainingData;
import io.aiaas.worker.training.TrainingDivergedException;
import io.aiaas.worker.training.TrainingProgress;
import io.aiaas.worker.training.TrainingResult;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Trains a new model version from a dataset: reads the dataset into memory, builds the plan's network
 * ({@link Trainer}), reports progress through the job's events, stores a checkpoint at each epoch's end and resumes from
 * the job's last one after a crash, then registers the trained SavedModel as the next version of the target model.
 * Usage counts the training examples of every finished epoch and the compute spent on them, across attempts, once.
 */
@Singleton
public class TrainingRunner implements JobRunner {
    private static final Logger LOG = Logger.getLogger(TrainingRunner.class);

    private final ModelServiceClient modelService;
    private final ModelServiceCalls calls;
    private final JobProgressSink progress;
    private final ComputeDevice device;
    private final Trainer trainer;
    private final long maxValues;

    public TrainingRunner(
            ModelServiceClient modelService,
            ModelServiceCalls calls,
            JobProgressSink progress,
            ComputeDevice device,
            WorkerConfig config) {
        this.modelService = modelService;
        this.calls = calls;
        this.progress = progress;
        this.device = device;
        this.trainer = new Trainer(
                Math.max(1, Runtime.getRuntime().availableProcessors()), ComputeDevice.GPU.equals(device.name()));
        this.maxValues = config.training().maxDatasetValues();
    }

    @Override
    public boolean handles(JobRequest job) {
        return job.type() == JobType.TRAINING;
    }

    @Override
    public JobOutcome run(JobRequest job) {
        throw new IllegalStateException("a training job runs as a held job");
    }

    @Override
    public JobOutcome run(RunningJob held) {
        JobRequest job = held.job();
        if (job.spec() == null || job.datasetId() == null || job.model() == null) {
            throw JobFailedException.unprocessable("The job carries no plan, dataset or target model.");
        }
        TrainingPlan plan = TrainingSpecs.planOf(job.spec());
        Optional<ModelServiceCalls.Checkpoint> stored = calls.checkpoint(job.jobId(), job.tenantId(), job.requestId());
        TrainingDatasets.Loaded loaded;
        try (var dataset = modelService.dataset(job.datasetId(), job.tenantId(), job.requestId())) {
            loaded = TrainingDatasets.read(dataset, maxValues);
        } catch (IOException e) {
            throw new ModelServiceUnavailableException("the dataset's transfer broke: " + e.getMessage(), e);
        }
        TrainingData data = new TrainingData(loaded.rows(), loaded.columns(), loaded.features(), loaded.labels());
        long trainingRows = loaded.rows() - TrainingSpecs.validationRows(loaded.rows(), plan.validationSplit());
        TrainingCheckpoint resume =
                stored.map(c -> TrainingCheckpoint.fromBytes(c.bytes())).orElse(null);
        long computeBefore =
                stored.map(ModelServiceCalls.Checkpoint::computeMillis).orElse(0L);
        long started = System.nanoTime();
        if (resume != null) {
            LOG.infof(
                    "job %s resumes after epoch %d",
                    job.jobId(), resume.history().size());
        }
        TrainingResult result;
        try {
            result = trainer.run(
                    plan,
                    data,
                    resume,
                    p -> progress.progress(held, progressOf(p)),
                    () -> held.stop(Instant.now()) != null,
                    checkpoint -> save(held, checkpoint, trainingRows, computeBefore + millisSince(started)));
        } catch (TrainingDivergedException e) {
            throw JobFailedException.unprocessable(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw JobFailedException.unprocessable("The dataset does not fit the plan: " + e.getMessage());
        }
        long computeMillis = Math.max(1, computeBefore + millisSince(started));
        long examples = trainingRows * result.history().size();
        if (result.stopped()) {
            // cancelled (billed for the epochs it finished), or lost, handed back or timed out (the caller drops or
            // fails it)
            return new JobOutcome.Cancelled(usage(examples, computeMillis), billed(job, null, examples, computeMillis));
        }
        int version = register(held, result);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", job.model());
        body.put("version", version);
        body.put("metrics", metrics(result.finalMetrics()));
        List<Map<String, Object>> history = new ArrayList<>();
        result.history().forEach(e -> history.add(metrics(e)));
        body.put("history", history);
        body.put("device", device.name());
        return new JobOutcome.Succeeded(
                Json.mapper().valueToTree(body),
                usage(examples, computeMillis),
                billed(job, version, examples, computeMillis));
    }

    /** Stores an epoch's checkpoint; a failure to store it costs only the chance to resume there. */
    private void save(RunningJob held, TrainingCheckpoint checkpoint, long trainingRows, long computeMillis) {
        JobRequest job = held.job();
        int epochs = checkpoint.history().size();
        try {
            calls.putCheckpoint(
                    job.jobId(),
                    job.tenantId(),
                    job.requestId(),
                    held.attempt(),
                    new ModelServiceCalls.Checkpoint(
                            epochs, checkpoint.toBytes(), computeMillis, trainingRows * epochs));
        } catch (OutputRefusedException e) {
            LOG.infof("job %s: %s; it is no longer this worker's", job.jobId(), e.getMessage());
            held.lose();
        } catch (ModelServiceUnavailableException e) {
            LOG.warnf("job %s: the checkpoint of epoch %d was not stored (%s)", job.jobId(), epochs, e.getMessage());
        }
    }

    /** Exports the network, registers it as the target's next version, and returns the version's number. */
    private int register(RunningJob held, TrainingResult result) {
        JobRequest job = held.job();
        Path dir = null;
        try {
            dir = Files.createTempDirectory("aiaas-trained-");
            Path model = dir.resolve("model");
            result.exportSavedModel(model);
            Path zip = dir.resolve("model.zip");
            SavedModelArchive.zip(model, zip);
            return calls.registerVersion(job.jobId(), job.tenantId(), job.requestId(), held.attempt(), zip);
        } catch (OutputRefusedException e) {
            held.lose();
            throw new ModelServiceUnavailableException("the job is no longer this worker's: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IllegalStateException("the trained model could not be written", e);
        } finally {
            SavedModelArchive.deleteTree(dir);
        }
    }

    private static JobProgress progressOf(TrainingProgress p) {
        return new JobProgress(
                p.epoch(),
                p.epochs(),
                (long) p.step(),
                (long) p.steps(),
                p.loss(),
                p.accuracy(),
                p.valLoss(),
                p.valAccuracy());
    }

    private static Map<String, Object> metrics(EpochMetrics e) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (e == null) {
            return m;
        }
        m.put("epoch", e.epoch());
        m.put("loss", e.loss());
        m.put("accuracy", e.accuracy());
        if (e.valLoss() != null) {
            m.put("valLoss", e.valLoss());
            m.put("valAccuracy", e.valAccuracy());
        }
        return m;
    }

    private JobUsage usage(long examples, long computeMillis) {
        return new JobUsage(computeMillis, examples, UsageData.units(computeMillis, device.rate()), device.name());
    }

    private UsageData billed(JobRequest job, Integer version, long examples, long computeMillis) {
        return new UsageData(
                job.tenantId(),
                job.jobId(),
                job.requestId(),
                job.model(),
                version,
                device.name(),
                examples,
                computeMillis,
                UsageData.units(computeMillis, device.rate()));
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
