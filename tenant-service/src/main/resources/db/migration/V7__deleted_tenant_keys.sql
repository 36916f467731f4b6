-- A deleted tenant's API-key rows are removed in the background (its keys stopped at the deletion already, by
-- revocation); keys_purged_at says when none was left. Its usage and audit rows stay, for billing.
ALTER TABLE tenant ADD COLUMN keys_purged_at timestamptz;
CREATE INDEX tenant_keys_to_purge ON tenant (updated_at) WHERE status = 'deleted' AND keys_purged_at IS NULL;
