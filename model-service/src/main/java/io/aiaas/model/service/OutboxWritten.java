package io.aiaas.model.service;

/** Fired in a transaction that wrote outbox rows; the relay publishes them once it commits. */
public record OutboxWritten(String topic) {}
