package io.aiaas.model.service;

import io.aiaas.model.config.ModelServiceConfig;
import io.aiaas.model.repository.TenantSlotRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Dispatches waiting jobs into their tenants' free slots: one short transaction per tenant (lock its slot row, take its
 * oldest waiting jobs {@code SKIP LOCKED}, write their dispatch records). One per replica; woken in-process by every
 * submission and every {@code schedule-interval} for work of other replicas.
 *
 * <p>A thread of its own rather than Quarkus' scheduler: a pass must start at once when woken, and wakes that arrive
 * during a pass must coalesce into one more pass, which a semaphore gives directly.
 */
@Singleton
public class JobScheduler {
    private static final Logger LOG = Logger.getLogger(JobScheduler.class);
    private static final int TENANTS_PER_READ = 1000;

    private final TenantSlotRepository slots;
    private final DispatchSlots dispatch;
    private final ModelServiceConfig config;
    private final Semaphore wakeups = new Semaphore(0);
    private volatile Thread thread;
    private volatile boolean stopping;

    public JobScheduler(TenantSlotRepository slots, DispatchSlots dispatch, ModelServiceConfig config) {
        this.slots = slots;
        this.dispatch = dispatch;
        this.config = config;
    }

    void start(@Observes StartupEvent event) {
        Thread t = new Thread(this::run, "job-scheduler");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
    }

    /** Asks for a pass as soon as possible; wakes during a pass coalesce into one more. */
    public void wake() {
        if (wakeups.availablePermits() == 0) {
            wakeups.release();
        }
    }

    /** One pass over every tenant with waiting jobs and free slots; returns how many jobs it dispatched. */
    public int pass() {
        int total = 0;
        boolean more = true;
        while (more && !stopping) {
            more = false;
            List<String> tenants =
                    QuarkusTransaction.requiringNew().call(() -> slots.tenantsWithWaitingJobs(TENANTS_PER_READ));
            for (String tenant : tenants) {
                int n = dispatchTenant(tenant);
                total += n;
                // A full batch may leave more waiting jobs and free slots: look again.
                more |= n >= config.jobs().dispatchBatch();
            }
        }
        return total;
    }

    /** Dispatches one tenant's waiting jobs into its free slots, in a transaction of its own. */
    public int dispatchTenant(String tenantId) {
        return QuarkusTransaction.requiringNew().call(() -> dispatch.dispatchWaiting(tenantId));
    }

    private void run() {
        long intervalMillis = config.jobs().scheduleInterval().toMillis();
        while (!stopping) {
            try {
                wakeups.tryAcquire(intervalMillis, TimeUnit.MILLISECONDS);
                wakeups.drainPermits();
                pass();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // The database is down or a pass raced a migration: the next interval tries again.
                LOG.warnf("scheduling pass failed: %s", e.toString());
            }
        }
    }
}
