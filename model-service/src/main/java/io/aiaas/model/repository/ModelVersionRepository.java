package io.aiaas.model.repository;

import io.aiaas.model.domain.Model;
import io.aiaas.model.domain.ModelVersion;
import io.quarkus.hibernate.orm.panache.PanacheRepository;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Optional;

/** Versions of a model the caller already resolved through its owner ({@link ModelRepository}). */
@ApplicationScoped
public class ModelVersionRepository implements PanacheRepository<ModelVersion> {

    public Optional<ModelVersion> find(Model model, int version) {
        return find("modelId = ?1 and tenantId = ?2 and version = ?3", model.id, model.tenantId, version)
                .firstResultOptional();
    }

    public Optional<ModelVersion> newest(Model model) {
        return find("modelId = ?1 and tenantId = ?2 order by version desc", model.id, model.tenantId)
                .firstResultOptional();
    }

    /** Newest first, versions below {@code belowVersion} if given. */
    public List<ModelVersion> page(Model model, Integer belowVersion, int limit) {
        if (belowVersion == null) {
            return find("modelId = ?1 and tenantId = ?2 order by version desc", model.id, model.tenantId)
                    .page(0, limit)
                    .list();
        }
        return find(
                        "modelId = ?1 and tenantId = ?2 and version < ?3 order by version desc",
                        model.id,
                        model.tenantId,
                        belowVersion)
                .page(0, limit)
                .list();
    }

    /** Every version of the model, oldest first, in one query (each row holds its signatures). */
    public List<ModelVersion> oldestFirst(Model model) {
        return list("modelId = ?1 and tenantId = ?2 order by version", model.id, model.tenantId);
    }

    public List<ModelVersion> all(Model model) {
        return list("modelId = ?1 and tenantId = ?2", model.id, model.tenantId);
    }
}
