package io.aiaas.model.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A tenant's validated CSV: its shape, its label's range, and where its bytes are in the artifact store. */
@Entity
@Table(name = "dataset")
public class Dataset {
    @Id
    public String id;

    @Column(name = "tenant_id", nullable = false)
    public String tenantId;

    @Column(nullable = false)
    public String name;

    @Column(name = "row_count", nullable = false)
    public long rows;

    /** Columns other than the label. */
    @Column(nullable = false)
    public int features;

    @Column(name = "label_column", nullable = false)
    public String labelColumn;

    @Column(name = "label_min", nullable = false)
    public long labelMin;

    @Column(name = "label_max", nullable = false)
    public long labelMax;

    /** The header row's names, in order, as a JSON array. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false, columnDefinition = "jsonb")
    public String header;

    /** The stored (uncompressed) CSV's bytes. */
    @Column(name = "size_bytes", nullable = false)
    public long sizeBytes;

    @Column(nullable = false)
    public String sha256;

    /** Relative to the artifact directory. */
    @Column(nullable = false)
    public String path;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
}
