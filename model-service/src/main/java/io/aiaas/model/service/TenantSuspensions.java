package io.aiaas.model.service;

import io.aiaas.common.events.TenantEvent;
import io.aiaas.model.config.ModelServiceConfig;
import io.aiaas.model.repository.TenantSlotRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

/**
 * Tenant events as the job engine needs them: a suspended tenant's waiting jobs stay waiting (its running ones finish),
 * a resumed tenant's are dispatched again, a deleted tenant's objects are purged ({@link TenantPurges}).
 * {@code plan.changed} needs nothing: the next submission brings the new {@code concurrentJobs}.
 */
@ApplicationScoped
public class TenantSuspensions {
    private final TenantSlotRepository slots;
    private final JobScheduler scheduler;
    private final ModelServiceConfig config;
    private final TenantPurges purges;

    public TenantSuspensions(
            TenantSlotRepository slots, JobScheduler scheduler, ModelServiceConfig config, TenantPurges purges) {
        this.slots = slots;
        this.scheduler = scheduler;
        this.config = config;
        this.purges = purges;
    }

    /** Applies the event; idempotent (a redelivery sets the same flag again, or finds the purge recorded). */
    public void apply(TenantEvent event) {
        if (event == null || event.tenantId() == null || event.type() == null) {
            return;
        }
        switch (event.type()) {
            case TenantEvent.TYPE_TENANT_SUSPENDED -> setSuspended(event.tenantId(), true);
            case TenantEvent.TYPE_TENANT_RESUMED -> {
                setSuspended(event.tenantId(), false);
                scheduler.wake();
            }
            case TenantEvent.TYPE_TENANT_DELETED -> purges.record(event.tenantId());
            default -> {
                // key revocations, plan changes, heartbeats: nothing for the job engine
            }
        }
    }

    @Transactional
    void setSuspended(String tenantId, boolean suspended) {
        if (purges.purged(tenantId)) {
            // an older event redelivered after the deletion: the purge removed the tenant's slot for good
            return;
        }
        slots.setSuspended(tenantId, suspended, config.jobs().defaultConcurrentJobs(), ModelCatalogue.now());
    }
}
