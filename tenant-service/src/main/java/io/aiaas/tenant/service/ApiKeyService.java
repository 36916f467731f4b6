package io.aiaas.tenant.service;

import io.aiaas.common.auth.ApiKeys;
import io.aiaas.common.auth.Scopes;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.page.Cursor;
import io.aiaas.common.page.Page;
import io.aiaas.common.page.PageRequest;
import io.aiaas.tenant.config.TenantConfig;
import io.aiaas.tenant.domain.Actor;
import io.aiaas.tenant.domain.ApiKey;
import io.aiaas.tenant.domain.Plan;
import io.aiaas.tenant.domain.Tenant;
import io.aiaas.tenant.repository.ApiKeyRepository;
import io.aiaas.tenant.repository.PlanRepository;
import io.aiaas.tenant.repository.TenantEventOutbox;
import io.aiaas.tenant.repository.TenantRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/** API keys: issuing, listing, revoking, and the gateway's look-up by hash. */
@ApplicationScoped
public class ApiKeyService {
    static final int MAX_NAME_LENGTH = 100;
    private static final Pattern SHA256_HEX = Pattern.compile("^[0-9a-f]{64}$");

    private final ApiKeyRepository keys;
    private final TenantRepository tenants;
    private final PlanRepository plans;
    private final AuditLog audit;
    private final TenantEventOutbox events;
    private final TenantConfig config;

    public ApiKeyService(
            ApiKeyRepository keys,
            TenantRepository tenants,
            PlanRepository plans,
            AuditLog audit,
            TenantEventOutbox events,
            TenantConfig config) {
        this.keys = keys;
        this.tenants = tenants;
        this.plans = plans;
        this.audit = audit;
        this.events = events;
        this.config = config;
    }

    /** A key just made, with the one copy of its secret there will ever be. */
    public record IssuedKey(ApiKey key, String secret) {}

    /** What the gateway learns about a live key. */
    public record VerifiedKey(ApiKey key, Tenant tenant, Plan plan) {}

    /**
     * Issues a key. {@code grantable} is what the creator may hand out: every scope for an administrator, its own
     * scopes for a key; without {@code scopes} the new key gets all of {@code grantable}.
     */
    @Transactional
    public IssuedKey issue(
            String tenantId,
            String name,
            List<String> scopes,
            Instant expiresAt,
            Collection<String> grantable,
            Actor actor) {
        String cleanName = checkName(name);
        List<String> granted = grantedScopes(scopes, grantable);
        Instant now = now();
        if (expiresAt != null && !expiresAt.isAfter(now)) {
            throw ApiException.unprocessable("'expiresAt' must be in the future.");
        }
        tenants.findExisting(tenantId).orElseThrow(() -> TenantService.noSuchTenant(tenantId));

        String secret = ApiKeys.generate();
        ApiKey key = new ApiKey();
        key.keyId = ApiKeys.keyId(secret);
        key.tenantId = tenantId;
        key.name = cleanName;
        key.keyHash = ApiKeys.hash(secret);
        key.scopes = granted;
        key.expiresAt = expiresAt == null ? null : expiresAt.truncatedTo(ChronoUnit.MILLIS);
        key.createdAt = now;
        key.createdBy = actor.subject() == null ? "unknown" : actor.subject();
        keys.persist(key);
        audit.record(actor, AuditLog.KEY_CREATED, key.keyId, tenantId);
        return new IssuedKey(key, secret);
    }

    /** The tenant's keys, revoked ones included (with {@code revokedAt}), newest first. */
    @Transactional
    public Page<ApiKey> list(String tenantId, PageRequest page, boolean tenantMustExist) {
        if (tenantMustExist) {
            tenants.findExisting(tenantId).orElseThrow(() -> TenantService.noSuchTenant(tenantId));
        }
        return page.page(
                keys.listOfTenant(tenantId, page.after(), page.fetchSize()),
                k -> new Cursor(k.createdAt, k.keyId),
                k -> k);
    }

    /** The tenant's key (revoked ones too); another tenant's key is as unknown as a missing one (404). */
    @Transactional
    public ApiKey get(String tenantId, String keyId) {
        return keys.findOfTenant(tenantId, keyId)
                .orElseThrow(() -> ApiException.notFound("No API key '" + keyId + "'."));
    }

    /**
     * Revokes the tenant's key; another tenant's key is as unknown as a missing one. Revoking twice is a no-op. Every
     * gateway learns of it through the {@code key.revoked} tenant event, committed with the revocation.
     */
    @Transactional
    public void revoke(String tenantId, String keyId, Actor actor) {
        ApiKey key = keys.findOfTenant(tenantId, keyId)
                .orElseThrow(() -> ApiException.notFound("No API key '" + keyId + "'."));
        if (key.revokedAt == null) {
            key.revokedAt = now();
            audit.record(actor, AuditLog.KEY_REVOKED, keyId, tenantId);
            events.keyRevoked(tenantId, keyId, actor.requestId());
        }
    }

    /** The live key with this hash and its tenant; 404 for an unknown, revoked or expired key or a deleted tenant. */
    @Transactional
    public VerifiedKey verify(String keyHash) {
        if (keyHash == null || !SHA256_HEX.matcher(keyHash).matches()) {
            throw ApiException.badRequest("'keyHash' must be the lower-case hex SHA-256 of the key.");
        }
        Instant now = Instant.now();
        ApiKey key = keys.findLiveByHash(keyHash, now).orElseThrow(ApiKeyService::noLiveKey);
        Tenant tenant = tenants.findExisting(key.tenantId).orElseThrow(ApiKeyService::noLiveKey);
        Plan plan = plans.findById(tenant.plan);
        Instant touched = now.truncatedTo(ChronoUnit.MILLIS);
        keys.touch(key.keyId, touched, touched.minus(config.keys().lastUsedResolution()));
        return new VerifiedKey(key, tenant, plan);
    }

    private static ApiException noLiveKey() {
        return ApiException.notFound("No live API key has this hash.");
    }

    private static List<String> grantedScopes(List<String> requested, Collection<String> grantable) {
        if (requested == null) {
            return Scopes.ALL.stream().filter(grantable::contains).toList();
        }
        for (String scope : requested) {
            if (scope == null || !Scopes.ALL.contains(scope)) {
                throw ApiException.unprocessable("Unknown scope '" + scope + "'.");
            }
        }
        if (requested.isEmpty()) {
            throw ApiException.unprocessable("A key needs at least one scope.");
        }
        for (String scope : requested) {
            if (!grantable.contains(scope)) {
                throw ApiException.forbidden("A key cannot grant the scope '" + scope + "', which it lacks.");
            }
        }
        // canonical order, no duplicates
        return Scopes.ALL.stream().filter(requested::contains).toList();
    }

    private static String checkName(String name) {
        String clean = name == null ? "" : name.strip();
        if (clean.isEmpty()) {
            throw ApiException.badRequest("'name' is required.");
        }
        if (clean.length() > MAX_NAME_LENGTH || clean.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.unprocessable("A key name is at most " + MAX_NAME_LENGTH + " printable characters.");
        }
        return clean;
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
