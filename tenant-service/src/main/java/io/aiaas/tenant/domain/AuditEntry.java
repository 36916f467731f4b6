package io.aiaas.tenant.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** Who did what to which object, when. Written in the same transaction as the change it records. */
@Entity
@Table(name = "audit")
public class AuditEntry {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    @Column(name = "id")
    public Long id;

    @Column(name = "at", nullable = false)
    public Instant at;

    @Column(name = "actor", nullable = false)
    public String actor;

    @Column(name = "action", nullable = false)
    public String action;

    @Column(name = "target", nullable = false)
    public String target;

    @Column(name = "tenant_id")
    public String tenantId;

    @Column(name = "request_id")
    public String requestId;

    /** The id of the record another service sent ({@code aiaas.audit.v1}); null for this service's own entries. */
    @Column(name = "record_id")
    public String recordId;
}
