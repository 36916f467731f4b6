package io.aiaas.model.client;

/** tenant-service did not give an answer: unreachable, timed out, or failing (5xx). */
public class TenantServiceUnavailableException extends RuntimeException {
    public TenantServiceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
