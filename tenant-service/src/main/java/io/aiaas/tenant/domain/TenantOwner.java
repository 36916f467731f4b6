package io.aiaas.tenant.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * A tenant's owner as a Keycloak user, and the work left to do for it: provisioning while {@value #PENDING}, removal
 * while {@value #REMOVING}.
 */
@Entity
@Table(name = "tenant_owner")
public class TenantOwner {
    public static final String PENDING = "pending";
    public static final String PROVISIONED = "provisioned";
    public static final String FAILED = "failed";
    public static final String REMOVING = "removing";
    public static final String REMOVED = "removed";

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    @Column(name = "id")
    public Long id;

    @Column(name = "tenant_id", nullable = false)
    public String tenantId;

    @Column(name = "email", nullable = false)
    public String email;

    @Column(name = "status", nullable = false)
    public String status;

    /** Keycloak's id of the user, once known. */
    @Column(name = "user_id")
    public String userId;

    /** Why provisioning failed for good, or what went wrong last; for operators, never secrets. */
    @Column(name = "detail")
    public String detail;

    @Column(name = "attempts", nullable = false)
    public int attempts;

    @Column(name = "next_attempt_at", nullable = false)
    public Instant nextAttemptAt;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    /** Whether this row still names the tenant's owner (rather than one being removed). */
    public boolean current() {
        return PENDING.equals(status) || PROVISIONED.equals(status) || FAILED.equals(status);
    }
}
