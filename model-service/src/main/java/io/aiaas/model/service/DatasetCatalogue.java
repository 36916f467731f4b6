package io.aiaas.model.service;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.page.Cursor;
import io.aiaas.common.page.Page;
import io.aiaas.common.page.PageRequest;
import io.aiaas.model.domain.Dataset;
import io.aiaas.model.repository.DatasetRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jboss.logging.Logger;

/** A tenant's datasets: list, read, delete. Another tenant's dataset is a 404 everywhere. */
@ApplicationScoped
public class DatasetCatalogue {
    private static final Logger LOG = Logger.getLogger(DatasetCatalogue.class);

    private final DatasetRepository datasets;
    private final ArtifactStore store;
    private final EntityManager em;
    private final AuditTrail audit;

    public DatasetCatalogue(DatasetRepository datasets, ArtifactStore store, EntityManager em, AuditTrail audit) {
        this.datasets = datasets;
        this.store = store;
        this.em = em;
        this.audit = audit;
    }

    @Transactional
    public Page<Dataset> list(String tenantId, PageRequest page) {
        Cursor after = page.after();
        List<Dataset> found = datasets.page(
                tenantId,
                after == null ? null : after.createdAt(),
                after == null ? null : after.id(),
                page.fetchSize());
        return page.page(found, d -> new Cursor(d.createdAt, d.id), d -> d);
    }

    @Transactional
    public Dataset get(String tenantId, String id) {
        return datasets.findOwned(tenantId, id).orElseThrow(() -> notFound(id));
    }

    /** A dataset's stored CSV, its SHA-256, its label column and its rows. */
    public record Stored(Path file, String sha256, String labelColumn, long rows) {}

    /** The tenant's dataset's file, for the worker of a batch job; 404 for another tenant's. */
    @Transactional
    public Stored stored(String tenantId, String id) {
        Dataset dataset = datasets.findOwned(tenantId, id).orElseThrow(() -> notFound(id));
        Path file = store.resolve(dataset.path);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("the file of dataset " + id + " is missing");
        }
        return new Stored(file, dataset.sha256, dataset.labelColumn, dataset.rows);
    }

    /** Deletes the dataset and its file; 409 while a queued or running job reads it. */
    public void delete(String tenantId, String id, String actor, String requestId) {
        Path file = io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().call(() -> {
            Dataset dataset = datasets.find("id = ?1 and tenantId = ?2", id, tenantId)
                    .withLock(jakarta.persistence.LockModeType.PESSIMISTIC_WRITE)
                    .firstResultOptional()
                    .orElseThrow(() -> notFound(id));
            Number users = (Number) em.createNativeQuery("SELECT COUNT(*) FROM job WHERE tenant_id = ?1"
                            + " AND request ->> 'datasetId' = ?2 AND status IN ('queued', 'running', 'cancelling')")
                    .setParameter(1, tenantId)
                    .setParameter(2, id)
                    .getSingleResult();
            if (users.longValue() > 0) {
                throw ApiException.conflict("Dataset '" + id + "' is used by " + users + " queued or running job(s).");
            }
            datasets.delete(dataset);
            audit.record(actor, AuditTrail.DATASET_DELETED, AuditTrail.dataset(id), tenantId, requestId);
            return store.resolve(dataset.path);
        });
        try {
            Files.deleteIfExists(file);
        } catch (java.io.IOException e) {
            // the row is gone, so nothing refers to the file; it is only space
            LOG.warnf("dataset %s: its file %s could not be deleted (%s)", id, file, e.toString());
        }
    }

    static ApiException notFound(String id) {
        return ApiException.notFound("No dataset '" + id + "'.");
    }
}
