package io.aiaas.model.service;

/**
 * model-service's answer to a worker's claim of a job.
 *
 * @param proceed whether the worker runs the job now
 * @param attempt the attempt this claim counts as (or the last one, when the job must not run)
 * @param status the job's status when it must not run; null otherwise
 */
public record ClaimDecision(boolean proceed, int attempt, String status) {}
