-- Deleted tenants whose objects are being, or were, removed (issue "suspension and deletion downstream"). A row is
-- written in the transaction that consumes tenant.deleted; from then on the tenant's objects are refused for any new
-- write, and TenantPurger removes them in small committed chunks until it sets finished_at. Kept afterwards, so that
-- operators can read when a purge finished and a redelivered event changes nothing.
CREATE TABLE tenant_purge (
    tenant_id    VARCHAR(64)  PRIMARY KEY,
    requested_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    finished_at  TIMESTAMP(6) WITH TIME ZONE
);
CREATE INDEX tenant_purge_open_idx ON tenant_purge (requested_at) WHERE finished_at IS NULL;
