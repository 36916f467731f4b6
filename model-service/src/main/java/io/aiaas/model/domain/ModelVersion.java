package io.aiaas.model.domain;

import com.fasterxml.jackson.core.type.TypeReference;
import io.aiaas.common.json.Json;
import io.aiaas.common.oip.Signature;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.io.IOException;
import java.time.Instant;
import java.util.SortedMap;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** One immutable, numbered SavedModel of a model: the archive as uploaded and the signatures read from it. */
@Entity
@Table(name = "model_version")
public class ModelVersion {
    public static final String STATUS_READY = "ready";

    private static final TypeReference<SortedMap<String, Signature>> SIGNATURES = new TypeReference<>() {};

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

    /** The signatures by name, as JSON (see {@link #signatureMap()}). */
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

    /** The training job that registered it, or null for an upload. */
    @Column(name = "source_job_id")
    public String sourceJobId;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    /** The signatures read from the version's {@code saved_model.pb}, by name. */
    public SortedMap<String, Signature> signatureMap() {
        try {
            return Json.mapper().readValue(signatures, SIGNATURES);
        } catch (IOException e) {
            throw new IllegalStateException("stored signatures of " + modelId + " v" + version + " unreadable", e);
        }
    }

    public void signatureMap(SortedMap<String, Signature> map) {
        signatures = Json.write(map);
    }
}
