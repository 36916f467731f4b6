package io.aiaas.model.domain;

import io.aiaas.common.events.JobStatus;
import io.aiaas.common.events.JobType;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A tenant's job and everything workers reported about it. JSON columns hold the records of the wire format. */
@Entity
@Table(name = "job")
public class Job {
    @Id
    public String id;

    @Column(name = "tenant_id", nullable = false)
    public String tenantId;

    /** {@link JobType#wire()}. */
    @Column(nullable = false)
    public String type;

    /** {@link JobStatus#wire()}. */
    @Column(nullable = false)
    public String status;

    @Column(name = "model_name")
    public String modelName;

    @Column(name = "model_id")
    public String modelId;

    public Integer version;

    public String signature;

    @Column(name = "dataset_id")
    public String datasetId;

    /** The {@code JobRequest} handed to workers. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public String request;

    @JdbcTypeCode(SqlTypes.JSON)
    public String progress;

    /** Where a rerun resumes: for a batch job {@code {"rows": n}}, the rows whose output is stored. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(columnDefinition = "jsonb")
    public String checkpoint;

    @JdbcTypeCode(SqlTypes.JSON)
    public String result;

    @JdbcTypeCode(SqlTypes.JSON)
    public String error;

    @JdbcTypeCode(SqlTypes.JSON)
    public String usage;

    /** Claims made so far; a worker's events carry the attempt they belong to. */
    @Column(nullable = false)
    public int attempt;

    @Column(name = "max_attempts", nullable = false)
    public int maxAttempts;

    @Column(name = "request_id")
    public String requestId;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "finished_at")
    public Instant finishedAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    /** The {@code seq} of this job's last {@code job_event} row (what its event stream replays). */
    @Column(name = "event_seq", nullable = false)
    public int eventSeq;

    /** Null while the job waits for one of its tenant's slots; set once its dispatch record was written. */
    @Column(name = "dispatched_at")
    public Instant dispatchedAt;

    /** The worker running it now ({@code running}/{@code cancelling} only), and until when. */
    @Column(name = "lease_worker")
    public String leaseWorker;

    @Column(name = "lease_expires_at")
    public Instant leaseExpiresAt;

    /** The effective bound (the tenant's, capped by the platform's); null: the platform's cap. */
    @Column(name = "max_runtime_seconds")
    public Integer maxRuntimeSeconds;

    /** The last worker event applied: {@code (attempt, seq)} only grows. */
    @Column(name = "applied_attempt", nullable = false)
    public int appliedAttempt;

    @Column(name = "applied_seq", nullable = false)
    public int appliedSeq;

    /** The plan's {@code concurrentJobs} when the job was submitted. */
    @Column(name = "concurrent_limit")
    public Integer concurrentLimit;

    /** The plan's {@code storageBytes} when the job was submitted; null: unbounded. */
    @Column(name = "storage_limit")
    public Long storageLimit;

    /** The submission's W3C {@code traceparent}, for the dispatch record written later. */
    public String traceparent;

    public JobStatus jobStatus() {
        return JobStatus.fromWire(status);
    }

    public JobType jobType() {
        return JobType.fromWire(type);
    }
}
