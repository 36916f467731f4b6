-- A tenant's compute units used in a UTC calendar month (CONTRACT "Limits"), kept as a running total: the usage
-- events' transaction adds each new event's units to its tenant's month, so a reservation weighs one row instead of
-- summing the month's events (a busy tenant has millions). month_start is the month's first instant in UTC, as
-- UsageMonth counts it.
CREATE TABLE compute_month (
    tenant_id   text        NOT NULL,
    month_start timestamptz NOT NULL,
    used        bigint      NOT NULL DEFAULT 0 CHECK (used >= 0),
    PRIMARY KEY (tenant_id, month_start)
);

-- The usage stored before this table: date_trunc on the UTC wall clock, read back as UTC, whatever the session's
-- time zone.
INSERT INTO compute_month (tenant_id, month_start, used)
SELECT tenant_id, date_trunc('month', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', sum(units)
FROM usage_event
GROUP BY 1, 2;
