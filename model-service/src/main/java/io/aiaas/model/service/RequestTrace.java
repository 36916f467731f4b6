package io.aiaas.model.service;

/** The request id and W3C traceparent of the HTTP call, passed on to Kafka headers. */
public record RequestTrace(String requestId, String traceparent) {}
