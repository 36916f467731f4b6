package io.aiaas.tenant.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A customer of the platform. Its id is the {@code tid} every internal token carries. */
@Entity
@Table(name = "tenant")
public class Tenant {
    @Id
    @Column(name = "id")
    public String id;

    @Column(name = "name", nullable = false)
    public String name;

    @Column(name = "plan", nullable = false)
    public String plan;

    @Column(name = "status", nullable = false)
    public TenantStatus status;

    @Column(name = "owner_email")
    public String ownerEmail;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
}
