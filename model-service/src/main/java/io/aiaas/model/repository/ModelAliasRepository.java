package io.aiaas.model.repository;

import io.aiaas.model.domain.Model;
import io.aiaas.model.domain.ModelAlias;
import io.quarkus.hibernate.orm.panache.PanacheRepository;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Optional;

@ApplicationScoped
public class ModelAliasRepository implements PanacheRepository<ModelAlias> {

    public Optional<ModelAlias> find(Model model, String alias) {
        return find("modelId = ?1 and tenantId = ?2 and alias = ?3", model.id, model.tenantId, alias)
                .firstResultOptional();
    }

    public List<ModelAlias> of(Model model) {
        return list("modelId = ?1 and tenantId = ?2 order by alias", model.id, model.tenantId);
    }

    public List<ModelAlias> pointingTo(Model model, int version) {
        return list(
                "modelId = ?1 and tenantId = ?2 and version = ?3 order by alias", model.id, model.tenantId, version);
    }
}
