package io.aiaas.model.api;

import io.aiaas.common.auth.Scopes;
import io.aiaas.common.plan.PlanLimits;
import io.aiaas.common.quarkus.auth.CallerContext;
import io.aiaas.model.domain.Owner;
import io.aiaas.model.service.ModelCatalogue;
import io.aiaas.model.service.ModelVersionUploads;
import jakarta.ws.rs.Path;
import java.util.Optional;

/** A tenant's models ({@code /v1/models/**}); reads include the platform catalogue. */
@Path("/v1/models")
public class ModelResource extends ModelEndpoints {
    private final CallerContext caller;

    public ModelResource(CallerContext caller, ModelCatalogue catalogue, ModelVersionUploads uploads) {
        super(catalogue, uploads);
        this.caller = caller;
    }

    @Override
    protected String basePath() {
        return "/v1/models";
    }

    @Override
    protected Owner reader() {
        return Owner.tenant(caller.tenantWithScope(Scopes.MODELS_READ));
    }

    @Override
    protected Optional<PlanLimits> plan() {
        return caller.plan();
    }

    @Override
    protected Owner writer() {
        return Owner.tenant(caller.tenantWithScope(Scopes.MODELS_WRITE));
    }
}
