package io.aiaas.worker.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.events.JobRequest;
import io.aiaas.common.json.Json;
import java.time.Instant;

/**
 * model-service's answer to a claim.
 *
 * @param proceed whether this worker should run the job now
 * @param attempt the attempt number this claim counts as
 * @param status the job's current status when it must not run
 * @param leaseExpiresAt until when this worker holds the job (renewed by heartbeats)
 * @param job the whole job, inputs and spec included, when it proceeds
 * @param checkpoint where an earlier attempt got to (a batch job: {@code {"rows": n}}, the rows whose output is
 *     stored), or null
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ClaimResult(
        boolean proceed, int attempt, String status, Instant leaseExpiresAt, JsonNode job, JsonNode checkpoint) {

    public ClaimResult(boolean proceed, int attempt, String status, Instant leaseExpiresAt, JsonNode job) {
        this(proceed, attempt, status, leaseExpiresAt, job, null);
    }

    public static ClaimResult refused(int attempt, String status) {
        return new ClaimResult(false, attempt, status, null, null);
    }

    /** The rows of a batch job whose output an earlier attempt stored: it resumes there. */
    public long checkpointRows() {
        return checkpoint == null ? 0 : Math.max(0, checkpoint.path("rows").asLong(0));
    }

    /** The job to run, as the claim answered it. */
    public JobRequest request() {
        return Json.mapper().convertValue(job, JobRequest.class);
    }

    /**
     * The job's {@code maxRuntimeSeconds} (model-service's effective value), or null when absent. Read from the
     * answer's JSON so that it does not depend on where the member sits in {@link JobRequest}.
     */
    public Integer maxRuntimeSeconds() {
        JsonNode value = job == null ? null : job.get("maxRuntimeSeconds");
        return value != null && value.canConvertToInt() && value.intValue() > 0 ? value.intValue() : null;
    }
}
