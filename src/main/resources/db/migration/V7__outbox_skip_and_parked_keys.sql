-- Strict per-key order: a parked row holds back the later rows of its key until an operator re-queues or
-- skips it. The claim looks for a parked row of the same key below each candidate; this index keeps that a
-- probe into the (normally empty) set of parked rows.
CREATE INDEX outbox_parked_key ON outbox (message_key, id) WHERE parked_at IS NOT NULL;

-- A skipped row is never published; it stays (with sent_at set, so retention removes it) with who skipped it
-- and when, as the audit of a deliberate gap in its key's events.
ALTER TABLE outbox ADD COLUMN skipped_at timestamptz, ADD COLUMN skipped_by varchar(255);
