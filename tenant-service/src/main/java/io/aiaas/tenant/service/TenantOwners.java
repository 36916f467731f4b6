package io.aiaas.tenant.service;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.id.Ids;
import io.aiaas.tenant.domain.Plan;
import io.aiaas.tenant.domain.Tenant;
import io.aiaas.tenant.domain.TenantOwner;
import io.aiaas.tenant.repository.PlanRepository;
import io.aiaas.tenant.repository.TenantOwnerRepository;
import io.aiaas.tenant.repository.TenantRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a tenant's owner should be, written in the transaction that changes the tenant: the Keycloak work itself
 * ({@link TenantOwnerWork}) runs after the commit, so Keycloak being down never fails or holds up a tenant's creation
 * or deletion.
 */
@ApplicationScoped
public class TenantOwners {

    /** Fired in a transaction that left owner work; the work starts once it commits. */
    public record WorkQueued() {}

    /**
     * What the gateway learns of a tenant for a token of its owner.
     *
     * @param ownerId the caller's id inside the platform ({@code sub} of internal tokens): {@code owner:<user id>}
     */
    public record VerifiedOwner(String ownerId, Tenant tenant, Plan plan) {}

    /** The prefix of an owner's id inside the platform, before Keycloak's id of the user. */
    public static final String OWNER_ID_PREFIX = "owner:";

    private static final Pattern SUBJECT = Pattern.compile("^[A-Za-z0-9-]{1,64}$");

    private final TenantOwnerRepository owners;
    private final TenantRepository tenants;
    private final PlanRepository plans;
    private final Event<WorkQueued> queued;

    public TenantOwners(
            TenantOwnerRepository owners, TenantRepository tenants, PlanRepository plans, Event<WorkQueued> queued) {
        this.owners = owners;
        this.tenants = tenants;
        this.plans = plans;
        this.queued = queued;
    }

    /**
     * The tenant a Keycloak token names in its claim {@code tenant_id}, for its user {@code subject}; 404 for an
     * unknown or deleted tenant. The claim comes from an attribute only tenant-service (an administrator of the realm)
     * can set, and Keycloak signed the token: the gateway has checked both.
     */
    @Transactional
    public VerifiedOwner verify(String tenantId, String subject) {
        if (subject == null || !SUBJECT.matcher(subject).matches()) {
            throw ApiException.badRequest("'subject' must be a Keycloak user id.");
        }
        Tenant tenant = (Ids.isValid(Ids.TENANT, tenantId) ? tenants.findExisting(tenantId) : Optional.<Tenant>empty())
                .orElseThrow(() -> ApiException.notFound("No tenant '" + tenantId + "'."));
        return new VerifiedOwner(OWNER_ID_PREFIX + subject, tenant, plans.findById(tenant.plan));
    }

    /** A new tenant's owner, to provision. */
    public void named(String tenantId, String email, Instant now) {
        if (email == null) {
            return;
        }
        TenantOwner owner = new TenantOwner();
        owner.tenantId = tenantId;
        owner.email = email;
        owner.status = TenantOwner.PENDING;
        owner.nextAttemptAt = now;
        owner.createdAt = now;
        owner.updatedAt = now;
        owners.persist(owner);
        queued.fire(new WorkQueued());
    }

    /** Another owner e-mail: the old owner's user is removed, the new one's provisioned. */
    public void changed(String tenantId, String email, Instant now) {
        boolean same = false;
        for (TenantOwner owner : owners.currentOf(tenantId)) {
            if (owner.email.equalsIgnoreCase(email)) {
                same = true;
            } else {
                remove(owner, now);
            }
        }
        if (!same) {
            named(tenantId, email, now);
        }
        queued.fire(new WorkQueued());
    }

    /** The tenant is deleted: its owner's user goes. */
    public void tenantDeleted(String tenantId, Instant now) {
        owners.currentOf(tenantId).forEach(owner -> remove(owner, now));
        queued.fire(new WorkQueued());
    }

    /** The current owner of each of these tenants that has one. */
    @Transactional
    public Map<String, TenantOwner> currentOf(Collection<String> tenantIds) {
        return owners.currentOf(tenantIds);
    }

    private static void remove(TenantOwner owner, Instant now) {
        owner.status = TenantOwner.REMOVING;
        owner.attempts = 0;
        owner.detail = null;
        owner.nextAttemptAt = now;
        owner.updatedAt = now;
    }
}
