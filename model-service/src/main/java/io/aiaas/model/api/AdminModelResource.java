package io.aiaas.model.api;

import io.aiaas.common.plan.PlanLimits;
import io.aiaas.common.quarkus.auth.CallerContext;
import io.aiaas.model.domain.Owner;
import io.aiaas.model.service.ModelCatalogue;
import io.aiaas.model.service.ModelVersionUploads;
import jakarta.ws.rs.Path;
import java.util.Optional;

/** The platform catalogue ({@code /admin/v1/models/**}), for platform administrators: the shape of {@code /v1/models}. */
@Path("/admin/v1/models")
public class AdminModelResource extends ModelEndpoints {
    private final CallerContext caller;

    public AdminModelResource(CallerContext caller, ModelCatalogue catalogue, ModelVersionUploads uploads) {
        super(catalogue, uploads);
        this.caller = caller;
    }

    @Override
    protected String basePath() {
        return "/admin/v1/models";
    }

    @Override
    protected Owner reader() {
        caller.requireAdmin();
        return Owner.PLATFORM;
    }

    @Override
    protected Optional<PlanLimits> plan() {
        return Optional.empty();
    }

    @Override
    protected Owner writer() {
        caller.requireAdmin();
        return Owner.PLATFORM;
    }
}
