package io.aiaas.model.domain;

import java.time.Instant;

/**
 * What a tenant reads of a job, loaded without its {@code request} (the inline inputs, up to the plan's
 * {@code maxRequestBytes}): a list page carries no {@code result} either (null), a single job does.
 * JSON members hold the stored JSON text.
 */
public record JobView(
        String id,
        String type,
        String status,
        String modelName,
        Integer version,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        String progress,
        String result,
        String error,
        String usage) {}
