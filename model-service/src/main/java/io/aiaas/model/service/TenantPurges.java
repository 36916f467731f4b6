package io.aiaas.model.service;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.id.Ids;
import io.aiaas.model.config.ModelServiceConfig;
import io.aiaas.model.repository.TenantPurgeRepository;
import io.aiaas.model.repository.TenantPurgeRepository.Purge;
import io.aiaas.model.repository.TenantPurgeRepository.Remaining;
import io.aiaas.model.repository.TenantSlotRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

/**
 * Deleted tenants, as model-service knows them: a purge is recorded when {@code tenant.deleted} arrives, and from then
 * on nothing of the tenant's is written again. Writes that create a tenant's objects call {@link #refuseIfPurged} in
 * their transaction: it takes a shared lock that {@link #record} takes exclusively, so a write either committed
 * before the purge was recorded (and the purge finds what it wrote) or sees the purge and is refused. The purge itself
 * is {@link TenantPurger}'s.
 */
@ApplicationScoped
public class TenantPurges {
    private static final Logger LOG = Logger.getLogger(TenantPurges.class);

    private final TenantPurgeRepository purges;
    private final TenantSlotRepository slots;
    private final ModelServiceConfig config;

    public TenantPurges(TenantPurgeRepository purges, TenantSlotRepository slots, ModelServiceConfig config) {
        this.purges = purges;
        this.slots = slots;
        this.config = config;
    }

    /** A purge and what is left of the tenant's objects. */
    public record Status(Purge purge, Remaining remaining) {}

    /**
     * Records the tenant's purge (idempotent: a redelivered event changes nothing) and holds its waiting jobs, so
     * that none is dispatched while the purge cancels them. Waits for writes of the tenant's objects in progress.
     */
    @Transactional
    public void record(String tenantId) {
        if (!Ids.isValid(Ids.TENANT, tenantId)) {
            // never the platform catalogue's marker nor anything else that is not a tenant
            LOG.warnf("ignoring the deletion of '%s': not a tenant id", tenantId);
            return;
        }
        purges.lockExclusive(tenantId);
        if (purges.insert(tenantId, ModelCatalogue.now())) {
            slots.setSuspended(tenantId, true, config.jobs().defaultConcurrentJobs(), ModelCatalogue.now());
            LOG.infof("tenant %s was deleted: its objects will be purged", tenantId);
        }
    }

    /** Whether the tenant was deleted (its purge recorded, finished or not). */
    @Transactional
    public boolean purged(String tenantId) {
        return purges.exists(tenantId);
    }

    /**
     * Refuses (403) a write of the deleted tenant's objects. Call in the transaction that writes: until it ends, the
     * tenant's purge cannot be recorded.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void refuseIfPurged(String tenantId) {
        purges.lockShared(tenantId);
        if (purges.exists(tenantId)) {
            throw ApiException.forbidden("The tenant was deleted.");
        }
    }

    /** The tenant's purge; 404 when there is none (a malformed id included). */
    @Transactional
    public Status status(String tenantId) {
        Purge purge = (Ids.isValid(Ids.TENANT, tenantId) ? purges.find(tenantId) : java.util.Optional.<Purge>empty())
                .orElseThrow(() -> ApiException.notFound("No purge of tenant '" + tenantId + "'."));
        return new Status(purge, purges.remaining(tenantId));
    }
}
