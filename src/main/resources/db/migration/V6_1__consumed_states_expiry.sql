-- The cleanup deletes used states once expired; it finds them by expiry without a scan.
CREATE INDEX consumed_states_expiry ON consumed_states (expires_at);
