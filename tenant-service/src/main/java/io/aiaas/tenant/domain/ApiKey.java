package io.aiaas.tenant.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;

/** A tenant's API key. Only the SHA-256 of the key is kept; the key itself is shown once, at creation. */
@Entity
@Table(name = "api_key")
public class ApiKey {
    @Id
    @Column(name = "key_id")
    public String keyId;

    @Column(name = "tenant_id", nullable = false)
    public String tenantId;

    @Column(name = "name", nullable = false)
    public String name;

    @Column(name = "key_hash", nullable = false, unique = true)
    public String keyHash;

    @Convert(converter = ScopeListColumn.class)
    @Column(name = "scopes", nullable = false)
    public List<String> scopes;

    @Column(name = "expires_at")
    public Instant expiresAt;

    @Column(name = "revoked_at")
    public Instant revokedAt;

    @Column(name = "last_used_at")
    public Instant lastUsedAt;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "created_by", nullable = false)
    public String createdBy;

    public boolean isLive(Instant now) {
        return revokedAt == null && (expiresAt == null || expiresAt.isAfter(now));
    }
}
