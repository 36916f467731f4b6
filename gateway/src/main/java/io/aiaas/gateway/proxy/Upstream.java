package io.aiaas.gateway.proxy;

import io.aiaas.common.auth.InternalToken;

/** Where the gateway sends a route's calls; the audience is what the internal token names. */
public enum Upstream {
    TENANT_SERVICE(InternalToken.AUDIENCE_TENANT_SERVICE),
    MODEL_SERVICE(InternalToken.AUDIENCE_MODEL_SERVICE),
    /** Online prediction (Open Inference Protocol, TF Serving): gateway ↔ Kafka ↔ worker, answered by the gateway. */
    PREDICTION(null);

    private final String audience;

    Upstream(String audience) {
        this.audience = audience;
    }

    public String audience() {
        return audience;
    }
}
