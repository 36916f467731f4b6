-- A batch job's output in parts, each the NDJSON lines of rows [from_row, to_row), written by the worker that held the
-- job's lease; job.checkpoint {"rows": n} says how many rows are done, so a rerun resumes there (issue 7).
CREATE TABLE job_output (
    job_id      VARCHAR(32)  NOT NULL,
    tenant_id   VARCHAR(64)  NOT NULL,
    from_row    BIGINT       NOT NULL,
    to_row      BIGINT       NOT NULL,
    size_bytes  BIGINT       NOT NULL,
    path        VARCHAR(512) NOT NULL,
    attempt     INTEGER      NOT NULL,
    created_at  TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (job_id, from_row)
);
CREATE INDEX job_output_tenant ON job_output (tenant_id);
