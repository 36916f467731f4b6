package io.aiaas.tenant.api;

import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.quarkus.auth.CallerContext;
import io.aiaas.tenant.api.ApiKeyViews.VerifiedKeyView;
import io.aiaas.tenant.api.ApiKeyViews.VerifyKey;
import io.aiaas.tenant.service.ApiKeyService;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** The gateway's look-up of an API key by its hash; not routed from outside. */
@Path("/internal/v1/api-keys")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class KeyVerificationResource {
    private final ApiKeyService keys;
    private final CallerContext caller;

    public KeyVerificationResource(ApiKeyService keys, CallerContext caller) {
        this.keys = keys;
        this.caller = caller;
    }

    @POST
    @Path("/verify")
    @org.eclipse.microprofile.openapi.annotations.Operation(hidden = true)
    public VerifiedKeyView verify(VerifyKey body) {
        caller.requireService(InternalToken.ISSUER_GATEWAY);
        Bodies.required(body);
        return VerifiedKeyView.of(keys.verify(body.keyHash()));
    }
}
