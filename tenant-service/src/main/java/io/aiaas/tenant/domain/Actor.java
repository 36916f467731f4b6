package io.aiaas.tenant.domain;

/**
 * Who makes a change, for the audit trail.
 *
 * @param subject the internal token's {@code sub}: an administrator's name or a key id
 * @param requestId the request the change was made in
 */
public record Actor(String subject, String requestId) {}
