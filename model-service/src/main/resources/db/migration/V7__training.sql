-- A version registered by a training job names it: a retried registration (an answer lost, a rerun after the job's
-- worker died once the version existed) finds that version instead of adding another.
ALTER TABLE model_version ADD COLUMN source_job_id TEXT;
CREATE UNIQUE INDEX model_version_source_job_uk ON model_version (source_job_id) WHERE source_job_id IS NOT NULL;
