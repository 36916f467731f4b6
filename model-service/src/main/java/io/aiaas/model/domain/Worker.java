package io.aiaas.model.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A worker of the fleet as its last heartbeat described it. */
@Entity
@Table(name = "worker")
public class Worker {
    public static final String ACTIVE = "active";
    public static final String DRAINING = "draining";
    public static final String LOST = "lost";

    @Id
    public String id;

    /** Random per process start: a new one under the same id means the worker restarted. */
    public String incarnation;

    /** {@code cpu} or {@code gpu}. */
    public String device;

    @Column(name = "device_name")
    public String deviceName;

    /** {@link #ACTIVE}, {@link #DRAINING} (as the worker said) or {@link #LOST} (heartbeats stopped). */
    @Column(nullable = false)
    public String status;

    @Column(name = "running_jobs", nullable = false)
    public int runningJobs;

    /** JSON array of {@code "<modelId>/<version>"}. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "loaded_models", nullable = false)
    public String loadedModels;

    @Column(name = "started_at", nullable = false)
    public Instant startedAt;

    @Column(name = "last_heartbeat", nullable = false)
    public Instant lastHeartbeat;
}
