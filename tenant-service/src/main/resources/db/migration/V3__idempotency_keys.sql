-- The answers given under Idempotency-Keys (CONTRACT "Idempotency") to POST /admin/v1/tenants and /admin/v1/plans:
-- one row per caller ('platform': administrators share their keys) and key, written in the transaction that creates
-- the object and replayed for 24 hours (IdempotencyLedger in common-quarkus). API-key creation keeps none: a replay
-- would show the secret again.
CREATE TABLE idempotency_key (
    scope       VARCHAR(64)  NOT NULL,
    idem_key    VARCHAR(255) NOT NULL,
    fingerprint VARCHAR(64)  NOT NULL,
    status      INTEGER,
    location    TEXT,
    body        TEXT,
    created_at  TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    expires_at  TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (scope, idem_key)
);
CREATE INDEX idempotency_key_expires_idx ON idempotency_key (expires_at);
