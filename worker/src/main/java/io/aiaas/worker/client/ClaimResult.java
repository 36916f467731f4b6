package io.aiaas.worker.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * model-service's answer to a claim.
 *
 * @param proceed whether this worker should run the job now
 * @param attempt the attempt number this claim counts as
 * @param status the job's current status when it must not run
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ClaimResult(boolean proceed, int attempt, String status) {}
