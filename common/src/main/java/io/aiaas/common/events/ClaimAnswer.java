package io.aiaas.common.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * model-service's answer to a worker's claim ({@code POST /internal/v1/jobs/{jobId}/claim}).
 *
 * @param proceed whether the worker runs the job now, under a lease until {@code leaseExpiresAt}
 * @param attempt the attempt this claim counts as (when it does not proceed: the last one)
 * @param leaseExpiresAt when the lease lapses unless a heartbeat renews it (only when proceeding)
 * @param job the whole request, inputs and spec included (only when proceeding)
 * @param status the job's current status (only when not proceeding)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ClaimAnswer(boolean proceed, int attempt, Instant leaseExpiresAt, JobRequest job, String status) {}
