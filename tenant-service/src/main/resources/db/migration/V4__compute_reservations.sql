-- Compute units reserved for admitted work (CONTRACT "Limits"): a row per reservation, live from its creation until it
-- is settled (the work's usage event was stored), released (admission failed afterwards) or expires. A tenant's
-- live reservations plus its usage of the month must stay within its plan's monthly_compute_units.
-- Settled rows stay until they expire, so that a repeated reservation (a retried call) is answered with the first
-- answer and never counts the work a second time; the sweep deletes expired rows.
CREATE TABLE compute_reservation (
    tenant_id      text        NOT NULL,
    reservation_id text        NOT NULL,
    units          bigint      NOT NULL CHECK (units >= 0),
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    settled_at     timestamptz,
    PRIMARY KEY (tenant_id, reservation_id)
);
CREATE INDEX compute_reservation_expiry ON compute_reservation (expires_at);
