-- The outbox takes the messaging module's shape (io.aiaas.messaging.outbox.OutboxTable), shared with tenant-service:
-- its relay reads and deletes it with plain SQL. Rows waiting to be published stay and keep their order.
ALTER TABLE outbox ALTER COLUMN id SET GENERATED ALWAYS;
ALTER TABLE outbox
    ALTER COLUMN topic TYPE text,
    ALTER COLUMN record_key TYPE text,
    ALTER COLUMN headers SET DEFAULT '{}',
    ALTER COLUMN created_at SET DEFAULT now();
