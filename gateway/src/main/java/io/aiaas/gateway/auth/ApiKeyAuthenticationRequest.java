package io.aiaas.gateway.auth;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/**
 * A well-formed API key to verify (format and checksum already checked).
 *
 * Only the SHA-256 of the key travels on: the key itself goes no further than the mechanism.
 */
public final class ApiKeyAuthenticationRequest extends BaseAuthenticationRequest {
    private final String keyHash;
    private final String requestId;

    public ApiKeyAuthenticationRequest(String keyHash, String requestId) {
        this.keyHash = keyHash;
        this.requestId = requestId;
    }

    public String keyHash() {
        return keyHash;
    }

    public String requestId() {
        return requestId;
    }

    @Override
    public String toString() {
        return "ApiKeyAuthenticationRequest[redacted]";
    }
}
