package io.aiaas.gateway.proxy;

/**
 * One row of the public routing table, for one kind of request.
 *
 * @param upstream who serves it
 * @param access how the caller must authenticate
 * @param scope the API-key scope the call needs; null on the admin API
 * @param body which limit its body is held to
 */
public record Route(Upstream upstream, Access access, String scope, Body body) {

    public Route(Upstream upstream, Access access, String scope) {
        this(upstream, access, scope, Body.REQUEST);
    }

    public enum Access {
        /** An API key. */
        TENANT,
        /** A Keycloak access token with the realm role {@code platform-admin}. */
        ADMINISTRATOR
    }

    /** The limit a body is held to at the gateway (CONTRACT, Limits and Archives). */
    public enum Body {
        /** A request body (JSON): the plan's {@code maxRequestBytes}. */
        REQUEST,
        /**
         * A model version's archive: not bounded by {@code maxRequestBytes}; a declared length over the plan's
         * {@code maxModelBytes} is refused at once, model-service enforces the rest.
         */
        MODEL_ARCHIVE,
        /** A dataset's CSV: bounded by storage, which model-service enforces. */
        DATASET
    }
}
