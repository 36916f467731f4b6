package io.aiaas.worker.service;

import io.aiaas.common.events.JobRequest;
import org.apache.kafka.common.header.Headers;

/**
 * A dispatch record handed from the intake to the executors.
 *
 * @param dispatched the lean job of the record (no inputs, no spec: the claim answers those)
 * @param recordHeaders the record's headers ({@code x-request-id}, trace context)
 * @param claimAnswered called once model-service answered the claim: from then on the record's offset may be committed
 */
public record JobTicket(JobRequest dispatched, Headers recordHeaders, Runnable claimAnswered) {}
