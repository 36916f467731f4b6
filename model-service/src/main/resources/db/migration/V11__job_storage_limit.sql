-- The plan's storageBytes when a job was submitted: what its results (a batch job's output, a trained version) may
-- add to the tenant's storage. NULL: unbounded (administrators' and components' jobs carry no plan).
ALTER TABLE job ADD COLUMN storage_limit BIGINT;
