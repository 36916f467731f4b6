package io.aiaas.tenant.repository;

import io.aiaas.common.page.Cursor;
import io.aiaas.tenant.domain.ApiKey;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** API keys. Every lookup of a tenant's key names the tenant: there is no path that forgets it. */
@ApplicationScoped
public class ApiKeyRepository implements PanacheRepositoryBase<ApiKey, String> {
    private static final Sort NEWEST_FIRST = Sort.descending("createdAt", "keyId");

    public Optional<ApiKey> findOfTenant(String tenantId, String keyId) {
        return find("tenantId = ?1 and keyId = ?2", tenantId, keyId).firstResultOptional();
    }

    /** Up to {@code n} of the tenant's keys after {@code after}, newest first. */
    public List<ApiKey> listOfTenant(String tenantId, Cursor after, int n) {
        var query = after == null
                ? find("tenantId = ?1", NEWEST_FIRST, tenantId)
                : find(
                        "tenantId = ?1 and (createdAt < ?2 or (createdAt = ?2 and keyId < ?3))",
                        NEWEST_FIRST,
                        tenantId,
                        after.createdAt(),
                        after.id());
        return query.range(0, n - 1).list();
    }

    /** The key with this hash, if it is neither revoked nor expired. */
    public Optional<ApiKey> findLiveByHash(String keyHash, Instant now) {
        return find("keyHash = ?1 and revokedAt is null and (expiresAt is null or expiresAt > ?2)", keyHash, now)
                .firstResultOptional();
    }

    /** Sets {@code lastUsedAt} unless it was set less than {@code resolution} ago; a single conditional update. */
    public void touch(String keyId, Instant now, Instant notSince) {
        update("lastUsedAt = ?1 where keyId = ?2 and (lastUsedAt is null or lastUsedAt < ?3)", now, keyId, notSince);
    }

    public int revokeAllOfTenant(String tenantId, Instant now) {
        return update("revokedAt = ?1 where tenantId = ?2 and revokedAt is null", now, tenantId);
    }
}
