-- Worker events are applied by (attempt, seq) against job.applied_attempt/applied_seq, under the job's row lock:
-- the table of event ids seen before is no longer needed.
DROP TABLE job_event_seen;

-- The sweeper's other question: whose heartbeat is too old (workers not yet marked lost).
CREATE INDEX worker_alive_idx ON worker (last_heartbeat) WHERE status <> 'lost';

-- The submission's W3C traceparent: dispatch happens later, on the scheduler's thread, and its record still
-- continues the caller's trace.
ALTER TABLE job ADD COLUMN traceparent VARCHAR(64);
