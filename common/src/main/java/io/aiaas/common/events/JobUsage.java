package io.aiaas.common.events;

/** What a finished job consumed. */
public record JobUsage(long computeMillis, long examples, long units, String device) {}
