-- A tenant's owner as a Keycloak user (CONTRACT "Tenant people"): tenant-service provisions the user after the tenant
-- commits and removes it after the tenant is deleted, both in the background (TenantOwnerWork): a row is the work
-- still to do, so nothing is lost when Keycloak is down or a replica crashes mid-way. Replicas share the rows through
-- FOR UPDATE SKIP LOCKED; a claimed row is pushed to next_attempt_at, which is also its lease.
CREATE TABLE tenant_owner (
    id              bigserial   PRIMARY KEY,
    -- no foreign key: the row must outlive anything that might one day purge tenant rows, until its user is removed
    tenant_id       text        NOT NULL,
    email           text        NOT NULL,
    -- pending: to provision; provisioned; failed: refused for good (the e-mail belongs to another tenant's owner);
    -- removing: to remove (tenant deleted or owner e-mail changed); removed.
    status          text        NOT NULL CHECK (status IN ('pending', 'provisioned', 'failed', 'removing', 'removed')),
    user_id         text,
    detail          text,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX tenant_owner_of_tenant ON tenant_owner (tenant_id, created_at DESC);
CREATE INDEX tenant_owner_work ON tenant_owner (next_attempt_at) WHERE status IN ('pending', 'removing');
