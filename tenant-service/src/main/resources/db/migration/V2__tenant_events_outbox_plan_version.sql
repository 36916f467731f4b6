-- Tenant events (key revoked, tenant suspended / resumed / deleted, plan changed) leave through this outbox, written
-- in the transaction of the change; the messaging module's relay publishes them to aiaas.tenant-events.v1.
CREATE TABLE outbox (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic      text        NOT NULL,
    record_key text,
    payload    text        NOT NULL,
    headers    jsonb       NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Increases with every change of a plan's limits, so gateways can tell plan versions apart.
ALTER TABLE plan ADD COLUMN version bigint NOT NULL DEFAULT 1 CHECK (version >= 1);
