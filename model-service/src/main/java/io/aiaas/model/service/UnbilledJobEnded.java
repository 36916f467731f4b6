package io.aiaas.model.service;

/** A job ended without a usage event (failed, or cancelled before it ran): its reserved compute units go back. */
public record UnbilledJobEnded(String tenantId, String jobId, String requestId) {}
