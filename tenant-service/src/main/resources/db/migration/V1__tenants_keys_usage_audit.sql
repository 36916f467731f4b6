-- The tenant service's own schema: plans, tenants, API keys, usage events and the audit trail.
-- Flyway creates and owns it; Hibernate only validates the tables it maps.

CREATE TABLE plan (
    name                  text        PRIMARY KEY,
    requests_per_second   integer     NOT NULL CHECK (requests_per_second > 0),
    burst                 integer     NOT NULL CHECK (burst > 0),
    concurrent_jobs       integer     NOT NULL CHECK (concurrent_jobs >= 0),
    monthly_compute_units bigint      NOT NULL CHECK (monthly_compute_units >= 0),
    max_request_bytes     bigint      NOT NULL CHECK (max_request_bytes > 0),
    max_model_bytes       bigint      NOT NULL CHECK (max_model_bytes > 0),
    storage_bytes         bigint      NOT NULL CHECK (storage_bytes >= 0),
    max_batch_rows        bigint      NOT NULL CHECK (max_batch_rows > 0),
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL
);

-- The seeded plans of the contract; the three share one creation time and list by name after it.
INSERT INTO plan (name, requests_per_second, burst, concurrent_jobs, monthly_compute_units,
                  max_request_bytes, max_model_bytes, storage_bytes, max_batch_rows, created_at, updated_at)
VALUES ('free',         5,    10,  1,        100000,  1048576,   52428800,     209715200,     10000,
        '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z'),
       ('standard',    50,   100,  4,      10000000,  8388608,  524288000,   10737418240,   1000000,
        '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z'),
       ('enterprise', 500,  1000, 16,    1000000000, 33554432, 4294967296, 1099511627776, 100000000,
        '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z');

CREATE TABLE tenant (
    id          text        PRIMARY KEY,
    name        text        NOT NULL,
    plan        text        NOT NULL REFERENCES plan (name),
    status      text        NOT NULL CHECK (status IN ('active', 'suspended', 'deleted')),
    owner_email text,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
-- A deleted tenant frees its name.
CREATE UNIQUE INDEX tenant_name_unique ON tenant (lower(name)) WHERE status <> 'deleted';
CREATE INDEX tenant_listing ON tenant (created_at DESC, id DESC);

CREATE TABLE api_key (
    key_id       text        PRIMARY KEY,
    tenant_id    text        NOT NULL REFERENCES tenant (id),
    name         text        NOT NULL,
    key_hash     text        NOT NULL UNIQUE,
    scopes       text        NOT NULL,
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz,
    created_at   timestamptz NOT NULL,
    created_by   text        NOT NULL
);
CREATE INDEX api_key_listing ON api_key (tenant_id, created_at DESC, key_id DESC);

-- One row per CloudEvent id: redeliveries and duplicates insert nothing (ON CONFLICT DO NOTHING).
CREATE TABLE usage_event (
    event_id       text        PRIMARY KEY,
    tenant_id      text        NOT NULL,
    kind           text        NOT NULL CHECK (kind IN ('predict', 'inference-job', 'training-job')),
    model          text,
    version        integer,
    device         text,
    examples       bigint      NOT NULL CHECK (examples >= 0),
    compute_millis bigint      NOT NULL CHECK (compute_millis >= 0),
    units          bigint      NOT NULL CHECK (units >= 0),
    job_id         text,
    request_id     text,
    occurred_at    timestamptz NOT NULL,
    received_at    timestamptz NOT NULL,
    cloud_event    jsonb       NOT NULL
);
CREATE INDEX usage_event_by_tenant_time ON usage_event (tenant_id, occurred_at);

CREATE TABLE audit (
    id         bigserial   PRIMARY KEY,
    at         timestamptz NOT NULL,
    actor      text        NOT NULL,
    action     text        NOT NULL,
    target     text        NOT NULL,
    tenant_id  text,
    request_id text
);
CREATE INDEX audit_listing ON audit (at DESC, id DESC);
CREATE INDEX audit_by_tenant ON audit (tenant_id, at DESC, id DESC);
