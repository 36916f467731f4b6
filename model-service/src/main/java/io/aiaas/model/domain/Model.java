package io.aiaas.model.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A named model of a tenant or of the platform catalogue; its versions hold the SavedModels. */
@Entity
@Table(name = "model")
public class Model {
    @Id
    public String id;

    /** The owning tenant, or {@link Owner#PLATFORM_MARKER}. */
    @Column(name = "tenant_id", nullable = false)
    public String tenantId;

    @Column(nullable = false)
    public String name;

    @Column(columnDefinition = "text")
    public String description;

    @Column(name = "next_version", nullable = false)
    public int nextVersion;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    public Owner owner() {
        return new Owner(tenantId);
    }
}
