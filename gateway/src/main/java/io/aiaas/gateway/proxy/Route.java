package io.aiaas.gateway.proxy;

/**
 * One row of the public routing table.
 *
 * @param upstream who serves it
 * @param access how the caller must authenticate
 * @param scope the API-key scope the call needs; null on the admin API
 */
public record Route(Upstream upstream, Access access, String scope) {

    public enum Access {
        /** An API key. */
        TENANT,
        /** A Keycloak access token with the realm role {@code platform-admin}. */
        ADMINISTRATOR
    }
}
