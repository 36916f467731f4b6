-- The job engine (issue 6): dispatch under per-tenant slots, leases held by workers, the worker fleet, and the
-- append-only log of a job's status and progress that event streams replay.

-- dispatched_at: null while the job waits for one of its tenant's slots; set once a dispatch record went to workers
-- (the job holds a slot from then until it ends). lease_*: which worker runs it, until when. applied_*: the last
-- worker event applied ((attempt, seq) only ever grows). event_seq: the last job_event row of this job.
ALTER TABLE job
    ADD COLUMN dispatched_at         TIMESTAMP(6) WITH TIME ZONE,
    ADD COLUMN lease_worker          VARCHAR(128),
    ADD COLUMN lease_expires_at      TIMESTAMP(6) WITH TIME ZONE,
    ADD COLUMN max_runtime_seconds   INTEGER,
    ADD COLUMN applied_attempt       INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN applied_seq           INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN event_seq             INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN concurrent_limit      INTEGER,
    ADD COLUMN checkpoint            JSONB;

-- The scheduler's question "which tenants have jobs waiting for a slot, oldest first" and the sweeper's "whose lease
-- lapsed" are answered from these partial indexes only.
CREATE INDEX job_waiting_idx ON job (tenant_id, created_at, id) WHERE status = 'queued' AND dispatched_at IS NULL;
CREATE INDEX job_leased_idx ON job (lease_expires_at) WHERE status IN ('running', 'cancelling');

-- One row per tenant: its plan's concurrentJobs and how many of its jobs hold a slot. Every change of in_use
-- happens under SELECT ... FOR UPDATE of the row, which keeps the limit exact with any number of replicas.
CREATE TABLE tenant_slot (
    tenant_id        VARCHAR(64) PRIMARY KEY,
    concurrent_limit INTEGER     NOT NULL,
    in_use           INTEGER     NOT NULL DEFAULT 0,
    suspended        BOOLEAN     NOT NULL DEFAULT FALSE,
    updated_at       TIMESTAMP(6) WITH TIME ZONE NOT NULL
);

CREATE TABLE worker (
    id             VARCHAR(128) PRIMARY KEY,
    incarnation    VARCHAR(32),
    device         VARCHAR(8),
    device_name    VARCHAR(256),
    status         VARCHAR(16)  NOT NULL,
    running_jobs   INTEGER      NOT NULL DEFAULT 0,
    loaded_models  JSONB        NOT NULL DEFAULT '[]',
    started_at     TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    last_heartbeat TIMESTAMP(6) WITH TIME ZONE NOT NULL
);
CREATE INDEX worker_heartbeat_idx ON worker (last_heartbeat DESC, id DESC);

-- What GET /v1/jobs/{id}/events replays: kind 'status' (data {"status","at"}) or 'progress' (the job's progress).
CREATE TABLE job_event (
    job_id VARCHAR(32) NOT NULL,
    seq    INTEGER     NOT NULL,
    kind   VARCHAR(16) NOT NULL,
    data   JSONB       NOT NULL,
    at     TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (job_id, seq)
);
