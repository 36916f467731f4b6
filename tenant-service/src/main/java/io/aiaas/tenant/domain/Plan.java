package io.aiaas.tenant.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A plan: the limits a tenant's calls, jobs and storage are held to. */
@Entity
@Table(name = "plan")
public class Plan {
    @Id
    @Column(name = "name")
    public String name;

    @Column(name = "requests_per_second", nullable = false)
    public int requestsPerSecond;

    @Column(name = "burst", nullable = false)
    public int burst;

    @Column(name = "concurrent_jobs", nullable = false)
    public int concurrentJobs;

    @Column(name = "monthly_compute_units", nullable = false)
    public long monthlyComputeUnits;

    @Column(name = "max_request_bytes", nullable = false)
    public long maxRequestBytes;

    @Column(name = "max_model_bytes", nullable = false)
    public long maxModelBytes;

    @Column(name = "storage_bytes", nullable = false)
    public long storageBytes;

    @Column(name = "max_batch_rows", nullable = false)
    public long maxBatchRows;

    /** Increases with every change of the limits; starts at 1. */
    @Column(name = "version", nullable = false)
    public long version = 1;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
}
