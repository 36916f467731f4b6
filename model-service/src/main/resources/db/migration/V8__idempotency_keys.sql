-- The answers given under Idempotency-Keys (CONTRACT "Idempotency"), for every creating POST of this service: one row
-- per caller (a tenant id, or 'platform' for the catalogue's administrators) and key, written in the transaction that
-- creates the object and replayed for 24 hours (IdempotencyLedger in common-quarkus).
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

-- Jobs kept their key on their own row until now: the keys still within 24 hours move over with the answer they
-- gave, and a fingerprint as IdempotentRequest makes it (method, path, then the body's digest, which request_hash is).
INSERT INTO idempotency_key (scope, idem_key, fingerprint, status, location, body, created_at, expires_at)
SELECT tenant_id,
       idempotency_key,
       encode(sha256(convert_to('4:POST8:/v1/jobs64:' || request_hash, 'UTF8')), 'hex'),
       202,
       '/v1/jobs/' || id,
       json_build_object(
           'id', id,
           'type', type,
           'status', 'queued',
           'createdAt', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text,
       created_at,
       created_at + interval '24 hours'
FROM job
WHERE idempotency_key IS NOT NULL AND request_hash IS NOT NULL AND created_at > now() - interval '24 hours';

DROP INDEX job_idempotency_uk;
ALTER TABLE job DROP COLUMN idempotency_key, DROP COLUMN request_hash;
