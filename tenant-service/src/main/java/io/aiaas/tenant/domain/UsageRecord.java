package io.aiaas.tenant.domain;

import java.time.Instant;

/**
 * One usage event as stored: the CloudEvent's fields, and the event itself as received. {@code reservationId} is the
 * gateway's block reservation a prediction was admitted from (not stored: the event lowers that reservation).
 */
public record UsageRecord(
        String eventId,
        String tenantId,
        UsageKind kind,
        String model,
        Integer version,
        String device,
        long examples,
        long computeMillis,
        long units,
        String jobId,
        String requestId,
        String reservationId,
        Instant occurredAt,
        String cloudEventJson) {}
