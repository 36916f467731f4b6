package io.aiaas.tenant.service;

import io.aiaas.tenant.config.TenantConfig;
import io.aiaas.tenant.repository.DeletedTenantRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Removes deleted tenants' API-key rows in the background, on every replica every
 * {@code aiaas.tenant.deleted-tenants.key-purge-interval}. The keys stopped at the deletion already (revoked in its
 * transaction, and {@code tenant.deleted} told every gateway); this only clears the rows. Each chunk is a transaction
 * that locks the tenant's row ({@code SKIP LOCKED}: replicas never work one tenant together) and deletes at most
 * {@code key-purge-chunk-size} rows; the tenant is marked done once none is left, so a crash anywhere resumes at the
 * next run. Usage and audit rows are never touched: they stay for billing.
 */
@ApplicationScoped
public class DeletedTenantKeys {
    private static final Logger LOG = Logger.getLogger(DeletedTenantKeys.class);
    private static final int TENANTS_PER_READ = 100;

    private final DeletedTenantRepository tenants;
    private final TenantConfig config;

    public DeletedTenantKeys(DeletedTenantRepository tenants, TenantConfig config) {
        this.tenants = tenants;
        this.config = config;
    }

    @Scheduled(
            identity = "deleted-tenant-keys",
            every = "${aiaas.tenant.deleted-tenants.key-purge-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        try {
            runOnce();
        } catch (RuntimeException e) {
            LOG.warnf("removing deleted tenants' keys failed: %s", e.toString());
        }
    }

    /** One run over every deleted tenant with key rows left; returns how many it finished. */
    public int runOnce() {
        List<String> pending = QuarkusTransaction.requiringNew().call(() -> tenants.withKeysLeft(TENANTS_PER_READ));
        int finished = 0;
        for (String tenantId : pending) {
            if (purge(tenantId)) {
                finished++;
            }
        }
        return finished;
    }

    /** Removes the tenant's key rows chunk by chunk; true once none is left and the tenant is marked so. */
    public boolean purge(String tenantId) {
        int n = Math.max(1, config.deletedTenants().keyPurgeChunkSize());
        while (true) {
            Boolean done = QuarkusTransaction.requiringNew().call(() -> {
                if (!tenants.lockWithKeysLeft(tenantId)) {
                    return null; // finished already, or another replica works it
                }
                if (tenants.deleteKeys(tenantId, n) > 0) {
                    return false;
                }
                tenants.markKeysPurged(tenantId, Instant.now().truncatedTo(ChronoUnit.MILLIS));
                return true;
            });
            if (done == null) {
                return false;
            }
            if (done) {
                LOG.infof("the API-key rows of deleted tenant %s are removed", tenantId);
                return true;
            }
        }
    }
}
