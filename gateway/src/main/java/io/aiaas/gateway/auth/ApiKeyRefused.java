package io.aiaas.gateway.auth;

import io.quarkus.security.AuthenticationException;

/** An API key refused (401): the message is the problem's detail, written for the caller and free of secrets. */
public final class ApiKeyRefused extends SecurityException implements AuthenticationException {
    public ApiKeyRefused(String detail) {
        super(detail);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // an expected outcome under attack traffic: no stack to walk
    }
}
