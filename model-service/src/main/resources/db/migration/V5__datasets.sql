-- Datasets: validated CSV files in the artifact store (issue 7). sizeBytes is the uncompressed CSV, as stored.
CREATE TABLE dataset (
    id            VARCHAR(32)  PRIMARY KEY,
    tenant_id     VARCHAR(64)  NOT NULL,
    name          VARCHAR(63)  NOT NULL,
    row_count     BIGINT       NOT NULL,
    features      INTEGER      NOT NULL,
    label_column  VARCHAR(255) NOT NULL,
    label_min     BIGINT       NOT NULL,
    label_max     BIGINT       NOT NULL,
    header        JSONB        NOT NULL,
    size_bytes    BIGINT       NOT NULL,
    sha256        VARCHAR(64)  NOT NULL,
    path          VARCHAR(512) NOT NULL,
    created_at    TIMESTAMP(6) WITH TIME ZONE NOT NULL
);
CREATE INDEX dataset_tenant_created ON dataset (tenant_id, created_at DESC, id DESC);
