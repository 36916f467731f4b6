-- Audit records of other services arrive from aiaas.audit.v1, possibly more than once: their id makes the second
-- delivery store nothing. Entries written by this service in the transaction of their change carry none.
ALTER TABLE audit ADD COLUMN record_id TEXT;
ALTER TABLE audit ADD CONSTRAINT audit_record_id_uk UNIQUE (record_id);
