package io.aiaas.worker.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.csv.CsvDatasetReader;
import io.aiaas.common.csv.CsvFormatException;
import io.aiaas.common.events.JobRequest;
import io.aiaas.common.events.JobType;
import io.aiaas.common.events.JobUsage;
import io.aiaas.common.events.UsageData;
import io.aiaas.common.json.Json;
import io.aiaas.worker.client.DatasetDownload;
import io.aiaas.worker.client.ModelServiceClient;
import io.aiaas.worker.client.ModelServiceUnavailableException;
import io.aiaas.worker.client.OutputRefusedException;
import io.aiaas.worker.config.WorkerConfig;
import io.aiaas.worker.inference.BatchPredictor;
import io.aiaas.worker.inference.ComputeDevice;
import io.aiaas.worker.inference.ModelCache;
import io.aiaas.worker.inference.ModelLease;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Inference over a dataset, one prediction per row: the dataset's CSV streams from model-service straight into
 * {@link BatchPredictor} (nothing of it is stored on the worker), and the output goes back in parts
 * ({@link OutputParts}) while the run goes on. A run starts at the job's checkpoint, the rows an earlier attempt
 * stored, so no row is written twice; it stops between chunks when the job is cancelled, lost or handed back.
 */
@Singleton
public class BatchInferenceRunner implements JobRunner {
    private static final Logger LOG = Logger.getLogger(BatchInferenceRunner.class);
    static final int DEFAULT_CHUNK_ROWS = 256;

    private final ModelCache models;
    private final ModelServiceClient modelService;
    private final ComputeDevice device;
    private final Duration partInterval;
    private final int partMaxBytes;

    public BatchInferenceRunner(
            ModelCache models, ModelServiceClient modelService, ComputeDevice device, WorkerConfig config) {
        this.models = models;
        this.modelService = modelService;
        this.device = device;
        this.partInterval = config.batch().partInterval();
        this.partMaxBytes = config.batch().partMaxBytes();
    }

    @Override
    public boolean handles(JobRequest job) {
        return job.type() == JobType.INFERENCE && job.datasetId() != null;
    }

    @Override
    public JobOutcome run(JobRequest job) {
        throw new IllegalStateException("a batch job runs as a held job");
    }

    @Override
    public JobOutcome run(RunningJob held) {
        JobRequest job = held.job();
        if (job.modelId() == null || job.version() == null) {
            throw JobFailedException.unprocessable("The job names no model version.");
        }
        String signature = job.signature();
        if (signature == null && job.inputs() != null) {
            signature = job.inputs().signatureName();
        }
        if (signature == null) {
            throw JobFailedException.unprocessable("The job names no signature.");
        }
        int chunkRows = chunkRows(job);
        long fromRow = held.rowsStored();
        long started = System.nanoTime();
        BatchPredictor.Outcome outcome;
        long totalRows;
        try (ModelLease lease = models.acquire(job.modelId(), job.version(), job.tenantId(), job.requestId());
                DatasetDownload dataset = modelService.dataset(job.datasetId(), job.tenantId(), job.requestId());
                OutputParts output = new OutputParts(modelService, held, partInterval, partMaxBytes)) {
            totalRows = dataset.rows();
            CsvDatasetReader reader = new CsvDatasetReader(
                    new InputStreamReader(dataset.body(), StandardCharsets.UTF_8), dataset.labelColumn());
            LOG.debugf("job %s: rows %d to %d in chunks of %d", job.jobId(), fromRow, totalRows, chunkRows);
            outcome = BatchPredictor.run(
                    lease.model(),
                    signature,
                    reader,
                    chunkRows,
                    fromRow,
                    (from, to, lines) -> add(output, from, to, lines),
                    () -> output.failed() || held.stop(Instant.now()) != null);
            if (output.failed() || !outcome.stopped()) {
                // a part that failed ends the run with its failure; a run that got to the end stores the rest
                output.finish();
            }
            if (!outcome.stopped()) {
                dataset.verify();
            }
        } catch (OutputRefusedException e) {
            LOG.infof("job %s: %s; it is no longer this worker's", job.jobId(), e.getMessage());
            held.lose();
            return cancelledOutcome(job, 0, 0);
        } catch (CsvFormatException e) {
            // the dataset was checked at upload: a stored file that no longer reads is the platform's fault
            throw new ModelServiceUnavailableException(
                    "the dataset does not read as it did at upload: " + e.getMessage());
        } catch (IOException e) {
            throw new ModelServiceUnavailableException("the dataset's transfer broke: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            held.release();
            return cancelledOutcome(job, 0, 0);
        }
        long computeMillis = Math.max(1, (System.nanoTime() - started) / 1_000_000);
        if (outcome.stopped()) {
            // cancelled (billed for the rows it ran), or lost, handed back or timed out (the caller drops or fails it)
            return cancelledOutcome(job, held.rowsStored(), computeMillis);
        }
        long rows = outcome.rowsDone();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("rows", rows);
        result.put("url", "/v1/jobs/" + job.jobId() + "/result");
        // the rows of the whole job, its earlier attempts' included: billed once, with this attempt's compute
        long examples = rows;
        JobUsage usage = new JobUsage(computeMillis, examples, units(computeMillis), device.name());
        LOG.debugf("job %s: %d rows of %d in %d ms", job.jobId(), examples, totalRows, computeMillis);
        return new JobOutcome.Succeeded(Json.mapper().valueToTree(result), usage, billed(job, examples, computeMillis));
    }

    /** Queues a chunk's lines; an interrupted wait stops the run like a release. */
    private static void add(OutputParts output, long from, long to, byte[] lines) throws IOException {
        try {
            output.add(from, to, lines);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while output was pending");
        }
    }

    private JobOutcome.Cancelled cancelledOutcome(JobRequest job, long examples, long computeMillis) {
        long rows = Math.max(0, examples);
        return new JobOutcome.Cancelled(
                new JobUsage(computeMillis, rows, units(computeMillis), device.name()),
                billed(job, rows, computeMillis));
    }

    private UsageData billed(JobRequest job, long examples, long computeMillis) {
        String modelName = job.model() != null ? job.model() : job.modelId();
        return new UsageData(
                job.tenantId(),
                job.jobId(),
                job.requestId(),
                modelName,
                job.version(),
                device.name(),
                examples,
                computeMillis,
                units(computeMillis));
    }

    private long units(long computeMillis) {
        return UsageData.units(computeMillis, device.rate());
    }

    /** {@code parameters.chunk_rows} as admitted by model-service, else the default. */
    static int chunkRows(JobRequest job) {
        if (job.inputs() == null || job.inputs().parameters() == null) {
            return DEFAULT_CHUNK_ROWS;
        }
        JsonNode value = Json.mapper().valueToTree(job.inputs().parameters().get("chunk_rows"));
        return value != null && value.canConvertToInt() && value.intValue() > 0 ? value.intValue() : DEFAULT_CHUNK_ROWS;
    }
}
