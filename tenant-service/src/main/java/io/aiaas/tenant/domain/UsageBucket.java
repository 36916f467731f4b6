package io.aiaas.tenant.domain;

import java.time.Instant;

/** Usage of one kind and model in one UTC hour or day. */
public record UsageBucket(
        Instant start, String kind, String model, long requests, long examples, long computeMillis, long units) {}
