-- Operator disconnect (issue 11 point 3): the intent is recorded before Finch is called, so the
-- account.updated Finch fires afterwards is announced as the operator's doing, once; entities removed
-- through /disconnect-entity are kept apart from those still attached.
ALTER TABLE connections ADD COLUMN disconnect_requested_at timestamptz;
ALTER TABLE connections ADD COLUMN disconnected_entity_ids text[] NOT NULL DEFAULT '{}';

-- Listing (issue 11 point 4): keyset pagination on connection_id, filtered by status and/or customer.
CREATE INDEX connections_status_keyset ON connections (status, connection_id);
CREATE INDEX connections_customer_keyset ON connections (customer_id, connection_id);
