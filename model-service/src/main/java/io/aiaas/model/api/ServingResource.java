package io.aiaas.model.api;

import io.aiaas.common.auth.Scopes;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.oip.Signature;
import io.aiaas.common.predict.ServingModel;
import io.aiaas.common.predict.ServingModel.ServingVersion;
import io.aiaas.common.quarkus.auth.CallerContext;
import io.aiaas.model.domain.ModelVersion;
import io.aiaas.model.service.ModelCatalogue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * What the gateway needs to serve online predictions ({@code /internal/v1/serving/**}, never routed by the gateway):
 * a model's versions with their signatures, and its aliases, as a tenant sees them. Not part of the public API
 * document.
 */
@Path("/internal/v1/serving")
public class ServingResource {
    private final CallerContext caller;
    private final ModelCatalogue catalogue;

    public ServingResource(CallerContext caller, ModelCatalogue catalogue) {
        this.caller = caller;
        this.catalogue = catalogue;
    }

    /**
     * The model {@code name} means to the calling tenant: its own model of that name, else the platform catalogue's.
     * The gateway calls with the tenant's internal token (scope {@code predict}). Like the other internal reads made
     * for a tenant, a token without a tenant finds nothing (404); a tenant's key without {@code predict} is a 403.
     */
    @GET
    @Path("models/{name}")
    @Operation(hidden = true)
    @Produces(MediaType.APPLICATION_JSON)
    public ServingModel model(@PathParam("name") String name) {
        if (caller.token().tid() == null) {
            throw ApiException.notFound("No model named '" + name + "'.");
        }
        String tenant = caller.tenantWithScope(Scopes.PREDICT);
        return body(catalogue.serving(tenant, name));
    }

    static ServingModel body(ModelCatalogue.Serving serving) {
        List<ServingVersion> versions = serving.versions().stream()
                .map(v -> new ServingVersion(v.version, callable(v), v.createdAt))
                .toList();
        return new ServingModel(
                serving.model().id,
                serving.model().name,
                serving.model().owner().kind(),
                serving.aliases(),
                versions);
    }

    /** The version's signatures a client can call: never TF's init op, which a gateway must not offer. */
    private static Map<String, Signature> callable(ModelVersion version) {
        Map<String, Signature> signatures = new TreeMap<>(version.signatureMap());
        signatures.keySet().removeIf(name -> !Signature.callable(name));
        return signatures;
    }
}
