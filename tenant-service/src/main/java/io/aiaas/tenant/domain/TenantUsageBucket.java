package io.aiaas.tenant.domain;

/** A usage bucket of one tenant, in a report across tenants. */
public record TenantUsageBucket(String tenantId, UsageBucket bucket) {}
