-- Finch has no reconnect: a disconnected connection is gone for good, and the employer connects anew through
-- a new Connect session, which yields a new connection_id (finch-api.md, "Reuse of one customer_id"). So a
-- customer keeps its disconnected connections as history and has at most one LIVE connection, which the
-- database enforces even where the code checks first.
ALTER TABLE connections DROP CONSTRAINT connections_customer_id_key;
CREATE UNIQUE INDEX connections_one_live_per_customer ON connections (customer_id) WHERE status <> 'disconnected';
-- The customer's connections, history included, without a scan.
CREATE INDEX connections_customer ON connections (customer_id);

-- A staged session Finch completed cannot be used again: once the customer connected it is marked consumed, and
-- the next session request after a disconnect stages a fresh one instead of handing out the spent link.
ALTER TABLE staged_sessions ADD COLUMN consumed_at timestamptz;
