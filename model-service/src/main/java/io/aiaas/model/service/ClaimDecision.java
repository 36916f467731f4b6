package io.aiaas.model.service;

import java.time.Instant;

/**
 * model-service's answer to a worker's claim of a job.
 *
 * @param proceed whether the worker runs the job now
 * @param attempt the attempt this claim counts as (or the last one, when the job must not run)
 * @param status the job's status when it must not run; null otherwise
 * @param leaseExpiresAt when the worker's lease lapses unless renewed (only when proceeding)
 * @param request the whole stored {@code JobRequest} JSON, inputs included (only when proceeding)
 * @param checkpoint where the run resumes (JSON, e.g. {@code {"rows": n}} for a batch job), or null to start afresh
 */
public record ClaimDecision(
        boolean proceed, int attempt, String status, Instant leaseExpiresAt, String request, String checkpoint) {

    /** A claim that does not proceed. */
    public static ClaimDecision refused(int attempt, String status) {
        return new ClaimDecision(false, attempt, status, null, null, null);
    }
}
