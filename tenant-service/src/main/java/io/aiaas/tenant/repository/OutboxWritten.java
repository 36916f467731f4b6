package io.aiaas.tenant.repository;

/** Fired in a transaction that wrote outbox rows; the relay publishes them once it commits. */
public record OutboxWritten() {}
