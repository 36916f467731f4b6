package io.aiaas.model.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** One immutable, numbered SavedModel of a model: the archive as uploaded and the signatures read from it. */
@Entity
@Table(name = "model_version")
public class ModelVersion {
    public static final String STATUS_READY = "ready";

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "model_id", nullable = false)
    public String modelId;

    @Column(name = "tenant_id", nullable = false)
    public String tenantId;

    @Column(nullable = false)
    public int version;

    @Column(nullable = false)
    public String status;

    /** {@link SignatureSet} as JSON. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public String signatures;

    @Column(name = "size_bytes", nullable = false)
    public long sizeBytes;

    @Column(nullable = false)
    public String sha256;

    /** {@code zip} or {@code tar.gz}. */
    @Column(name = "archive_format", nullable = false)
    public String archiveFormat;

    /** The archive's path relative to the artifact directory. */
    @Column(name = "artifact_path", nullable = false, columnDefinition = "text")
    public String artifactPath;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
}
