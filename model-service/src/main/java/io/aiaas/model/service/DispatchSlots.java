package io.aiaas.model.service;

import io.aiaas.common.events.Topics;
import io.aiaas.model.config.ModelServiceConfig;
import io.aiaas.model.repository.JobOutbox;
import io.aiaas.model.repository.JobRepository;
import io.aiaas.model.repository.TenantSlotRepository;
import io.aiaas.model.repository.TenantSlotRepository.Slot;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A tenant's slots: the only code that changes {@code tenant_slot.in_use}, always under the row's lock, so that no
 * more of a tenant's jobs than its plan's {@code concurrentJobs} hold a slot, with any number of replicas.
 */
@ApplicationScoped
public class DispatchSlots {
    private final TenantSlotRepository slots;
    private final JobRepository jobs;
    private final JobOutbox outbox;
    private final ModelServiceConfig config;
    private final Event<OutboxWritten> outboxWritten;

    public DispatchSlots(
            TenantSlotRepository slots,
            JobRepository jobs,
            JobOutbox outbox,
            ModelServiceConfig config,
            Event<OutboxWritten> outboxWritten) {
        this.slots = slots;
        this.jobs = jobs;
        this.outbox = outbox;
        this.config = config;
        this.outboxWritten = outboxWritten;
    }

    /**
     * Dispatches the tenant's oldest waiting jobs into its free slots (at most one batch); returns how many. Skips a
     * suspended tenant.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public int dispatchWaiting(String tenantId) {
        Optional<Slot> slot = slots.lock(tenantId);
        return slot.map(s -> dispatch(s, ModelCatalogue.now())).orElse(0);
    }

    /**
     * A job of the tenant that held a slot ended: the slot frees, and in the same transaction the tenant's next
     * waiting job takes it (so a freed slot is used at once, on whichever replica ended the job).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void free(String tenantId) {
        Optional<Slot> slot = slots.lock(tenantId);
        if (slot.isEmpty()) {
            return;
        }
        Instant now = ModelCatalogue.now();
        slots.addInUse(tenantId, -1, now);
        Slot s = slot.get();
        dispatch(new Slot(s.tenantId(), s.limit(), Math.max(0, s.inUse() - 1), s.suspended()), now);
    }

    /** A dispatched job goes to the workers again (a released or lapsed lease): it keeps its slot. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void redispatch(String jobId, String leanRequestJson, String requestId, String traceparent) {
        outbox.dispatch(jobId, leanRequestJson, requestId, traceparent);
        outboxWritten.fire(new OutboxWritten(Topics.JOBS));
    }

    private int dispatch(Slot slot, Instant now) {
        int take = Math.min(slot.free(), config.jobs().dispatchBatch());
        if (take <= 0) {
            return 0;
        }
        List<JobRepository.Dispatched> dispatched = jobs.dispatchWaiting(slot.tenantId(), take, now);
        if (dispatched.isEmpty()) {
            return 0;
        }
        slots.addInUse(slot.tenantId(), dispatched.size(), now);
        for (JobRepository.Dispatched d : dispatched) {
            outbox.dispatch(d.jobId(), d.leanRequest(), d.requestId(), d.traceparent());
        }
        outboxWritten.fire(new OutboxWritten(Topics.JOBS));
        return dispatched.size();
    }
}
