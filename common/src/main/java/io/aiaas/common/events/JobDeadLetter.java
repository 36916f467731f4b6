package io.aiaas.common.events;

import java.time.Instant;

/**
 * A job that ended {@code failed} after using every attempt, on {@link Topics#JOB_DEAD_LETTERS}, keyed by job id.
 *
 * @param type the job's type ({@code inference}, {@code training})
 * @param attempts the attempts it used
 * @param error why its last attempt ended
 */
public record JobDeadLetter(String jobId, String tenantId, String type, int attempts, JobError error, Instant at) {}
