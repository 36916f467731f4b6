package io.aiaas.model.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.json.Json;
import io.aiaas.model.config.ModelServiceConfig;
import io.aiaas.model.domain.Job;
import io.aiaas.model.repository.JobRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A training job's checkpoint: what its worker saved at the end of an epoch (weights, optimizer state, shuffle state,
 * history), opaque to model-service. Only the worker holding the job's lease for that attempt may store one, for an
 * epoch not before the stored one; the job's {@code checkpoint} then reads {@code {"epoch":n,"sizeBytes":…}}, which a
 * later claim hands to the next attempt. The newest is kept; older files are deleted once the newer one committed.
 */
@ApplicationScoped
public class JobCheckpoints {
    private final JobRepository jobs;
    private final ArtifactStore store;
    private final ModelServiceConfig config;

    public JobCheckpoints(JobRepository jobs, ArtifactStore store, ModelServiceConfig config) {
        this.jobs = jobs;
        this.store = store;
        this.config = config;
    }

    /**
     * A stored checkpoint: the epoch it ends, its file, and the compute and examples the job used up to it (so that a
     * resumed job bills the finished epochs once).
     */
    public record Stored(int epoch, long sizeBytes, Path file, long computeMillis, long examples) {}

    public Stored put(
            String jobId,
            String callerTenant,
            String workerId,
            int attempt,
            int epoch,
            long computeMillis,
            long examples,
            InputStream body)
            throws IOException {
        if (workerId == null || workerId.isBlank() || attempt < 1 || epoch < 1) {
            throw ApiException.badRequest(
                    "Query parameters 'workerId', 'attempt' (≥ 1) and 'epoch' (≥ 1) are required.");
        }
        ArtifactStore.Staged staged = store.stage(body, config.maxModelBytes());
        String[] previous = new String[1];
        try {
            Stored stored = QuarkusTransaction.requiringNew().call(() -> {
                Job job = JobOutputs.lockHeld(jobs, jobId, callerTenant, workerId, attempt);
                JsonNode current = job.checkpoint == null ? null : Json.read(job.checkpoint, JsonNode.class);
                int storedEpoch = current == null ? 0 : current.path("epoch").asInt(0);
                if (epoch < storedEpoch) {
                    throw ApiException.conflict("The job's checkpoint is at epoch " + storedEpoch + " already.");
                }
                previous[0] = current == null ? null : current.path("path").asText(null);
                String path = store.placeCheckpoint(staged, job.tenantId, jobId, epoch);
                if (path.equals(previous[0])) {
                    previous[0] = null;
                }
                Map<String, Object> checkpoint = new LinkedHashMap<>();
                checkpoint.put("epoch", epoch);
                checkpoint.put("sizeBytes", staged.sizeBytes());
                checkpoint.put("path", path);
                checkpoint.put("computeMillis", Math.max(0, computeMillis));
                checkpoint.put("examples", Math.max(0, examples));
                job.checkpoint = Json.write(checkpoint);
                job.updatedAt = ModelCatalogue.now();
                return new Stored(epoch, staged.sizeBytes(), store.resolve(path), computeMillis, examples);
            });
            if (previous[0] != null) {
                Files.deleteIfExists(store.resolve(previous[0]));
            }
            return stored;
        } finally {
            Files.deleteIfExists(staged.file());
        }
    }

    /** The job's checkpoint for the worker that resumes it; empty before the first one. */
    public Optional<Stored> get(String jobId, String callerTenant) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Job job = jobs.findById(jobId);
            if (job == null || (callerTenant != null && !callerTenant.equals(job.tenantId))) {
                throw ApiException.notFound("No job '" + jobId + "'.");
            }
            if (job.checkpoint == null) {
                return Optional.<Stored>empty();
            }
            JsonNode current = Json.read(job.checkpoint, JsonNode.class);
            if (!current.hasNonNull("path")) {
                return Optional.<Stored>empty();
            }
            Path file = store.resolve(current.path("path").asText());
            return Files.isRegularFile(file)
                    ? Optional.of(new Stored(
                            current.path("epoch").asInt(),
                            current.path("sizeBytes").asLong(),
                            file,
                            current.path("computeMillis").asLong(),
                            current.path("examples").asLong()))
                    : Optional.<Stored>empty();
        });
    }
}
