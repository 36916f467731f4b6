package io.aiaas.tenant.service;

import io.aiaas.tenant.client.KeycloakUsers;
import io.aiaas.tenant.config.TenantConfig;
import io.aiaas.tenant.domain.TenantOwner;
import io.aiaas.tenant.repository.TenantOwnerRepository;
import io.aiaas.tenant.repository.TenantRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Provisions and removes tenant owners in Keycloak, working off {@code tenant_owner}: at once after a commit that left
 * work, and every {@code aiaas.tenant.keycloak.interval} for what is due (retries after Keycloak was down, work a
 * crashed replica left). A row is claimed in a short transaction that pushes its next attempt a lease ahead, then
 * Keycloak is called outside any transaction, then the outcome is written; a replica that dies in between leaves the
 * row to be claimed again once the lease is over, and every step is safe to repeat (an existing user with the tenant's
 * attribute counts as provisioned, a missing one as removed).
 */
@Singleton
public class TenantOwnerWork {
    private static final Logger LOG = Logger.getLogger(TenantOwnerWork.class);

    /** What one attempt came to. */
    record Outcome(String status, String userId, String detail) {}

    private record Claimed(long id, String tenantId, String email, String status, String userId, int attempts) {}

    private final TenantConfig.Keycloak config;
    private final KeycloakUsers users;
    private final TenantOwnerRepository owners;
    private final TenantRepository tenants;
    private ScheduledExecutorService executor;

    public TenantOwnerWork(
            TenantConfig config, KeycloakUsers users, TenantOwnerRepository owners, TenantRepository tenants) {
        this.config = config.keycloak();
        this.users = users;
        this.owners = owners;
        this.tenants = tenants;
    }

    void start(@Observes StartupEvent event) {
        if (!config.enabled()) {
            LOG.info("tenant owners are not provisioned in Keycloak (aiaas.tenant.keycloak.enabled=false)");
            return;
        }
        if (!users.configured()) {
            LOG.warn("tenant owners wait to be provisioned: no Keycloak client secret is configured"
                    + " (aiaas.tenant.keycloak.client-secret or client-secret-file)");
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tenant-owner-work");
            t.setDaemon(true);
            return t;
        });
        long interval = config.interval().toMillis();
        executor.scheduleWithFixedDelay(this::pass, 0, interval, TimeUnit.MILLISECONDS);
    }

    /** Work a transaction left starts once it commits, not at the next interval. */
    void afterCommit(@Observes(during = TransactionPhase.AFTER_SUCCESS) TenantOwners.WorkQueued queued) {
        ScheduledExecutorService e = executor;
        if (e != null && !e.isShutdown()) {
            e.execute(this::pass);
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    /** Works off every due row, a batch at a time; never throws (the executor would stop scheduling it). */
    void pass() {
        try {
            List<Claimed> batch;
            do {
                batch = claim();
                for (Claimed owner : batch) {
                    finish(owner, attempt(owner));
                }
            } while (batch.size() == config.batchSize());
        } catch (RuntimeException e) {
            LOG.warnf("tenant owner work failed, tried again in %s: %s", config.interval(), e.toString());
        }
    }

    private List<Claimed> claim() {
        return QuarkusTransaction.requiringNew().call(() -> {
            Instant now = now();
            return owners.claimDue(now, config.batchSize()).stream()
                    .map(o -> {
                        o.attempts++;
                        o.nextAttemptAt = now.plus(config.lease());
                        return new Claimed(o.id, o.tenantId, o.email, o.status, o.userId, o.attempts);
                    })
                    .toList();
        });
    }

    Outcome attempt(Claimed owner) {
        try {
            return TenantOwner.PENDING.equals(owner.status()) ? provision(owner) : remove(owner);
        } catch (KeycloakUsers.Unavailable e) {
            return new Outcome(owner.status(), owner.userId(), e.getMessage());
        } catch (KeycloakUsers.Refused e) {
            return TenantOwner.PENDING.equals(owner.status())
                    ? new Outcome(TenantOwner.FAILED, null, e.getMessage())
                    : new Outcome(owner.status(), owner.userId(), e.getMessage());
        }
    }

    private Outcome provision(Claimed owner) {
        Optional<KeycloakUsers.User> existing = users.findByEmail(owner.email());
        if (existing.isEmpty()) {
            Optional<String> created = users.create(owner.email(), owner.tenantId());
            if (created.isPresent()) {
                return new Outcome(TenantOwner.PROVISIONED, created.get(), null);
            }
            // 409 although no user has the e-mail: another user is named by it.
            return new Outcome(
                    TenantOwner.FAILED, null, "A Keycloak user is named '" + owner.email() + "' with another e-mail.");
        }
        KeycloakUsers.User user = existing.get();
        if (user.tenantId() == null) {
            users.assignTenant(user, owner.tenantId());
            return new Outcome(TenantOwner.PROVISIONED, user.id(), null);
        }
        if (user.tenantId().equals(owner.tenantId())) {
            return new Outcome(TenantOwner.PROVISIONED, user.id(), null); // a repeated attempt
        }
        boolean otherLives = QuarkusTransaction.requiringNew()
                .call(() -> tenants.findExisting(user.tenantId()).isPresent());
        return otherLives
                ? new Outcome(TenantOwner.FAILED, null, "The e-mail is the owner's of another tenant.")
                // its tenant is deleted and the user about to go: wait for that
                : new Outcome(TenantOwner.PENDING, null, "The user of a deleted tenant is still being removed.");
    }

    private Outcome remove(Claimed owner) {
        Optional<KeycloakUsers.User> user =
                owner.userId() != null ? users.findById(owner.userId()) : users.findByEmail(owner.email());
        // Never a user this tenant does not own (an e-mail refused as another tenant's owner).
        if (user.isPresent() && owner.tenantId().equals(user.get().tenantId())) {
            users.delete(user.get().id());
        }
        return new Outcome(TenantOwner.REMOVED, owner.userId(), null);
    }

    private void finish(Claimed claimed, Outcome outcome) {
        QuarkusTransaction.requiringNew().run(() -> {
            TenantOwner row = owners.findForUpdate(claimed.id()).orElse(null);
            if (row == null) {
                return;
            }
            Instant now = now();
            row.updatedAt = now;
            if (!row.status.equals(claimed.status())) {
                // Changed meanwhile (the tenant was deleted while its owner was provisioned): a user made now must
                // still go.
                if (outcome.userId() != null && row.userId == null) {
                    row.userId = outcome.userId();
                    if (TenantOwner.REMOVED.equals(row.status)) {
                        row.status = TenantOwner.REMOVING;
                        row.nextAttemptAt = now;
                    }
                }
                return;
            }
            row.status = outcome.status();
            row.detail = outcome.detail();
            if (outcome.userId() != null) {
                row.userId = outcome.userId();
            }
            if (outcome.status().equals(claimed.status())) {
                row.nextAttemptAt = now.plus(backoff(claimed.attempts()));
                LOG.warnf(
                        "tenant %s: owner %s not done (attempt %d, next in %s): %s",
                        claimed.tenantId(),
                        TenantOwner.PENDING.equals(claimed.status()) ? "provisioning" : "removal",
                        claimed.attempts(),
                        backoff(claimed.attempts()),
                        outcome.detail());
            } else if (TenantOwner.FAILED.equals(outcome.status())) {
                LOG.warnf("tenant %s: owner not provisioned: %s", claimed.tenantId(), outcome.detail());
            } else {
                row.attempts = 0;
                LOG.infof("tenant %s: owner user %s %s", claimed.tenantId(), row.userId, outcome.status());
            }
        });
    }

    private Duration backoff(int attempts) {
        Duration delay = config.retryBackoff();
        for (int i = 1; i < attempts && delay.compareTo(config.retryMax()) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(config.retryMax()) > 0 ? config.retryMax() : delay;
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
