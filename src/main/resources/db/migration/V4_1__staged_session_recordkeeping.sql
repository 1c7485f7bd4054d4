-- A staged session's recordkeeping configuration (Finch SDK 10.8, only with the recordkeeping product), kept so a
-- refresh of an expired session asks Finch for the same one.
ALTER TABLE staged_sessions
    ADD COLUMN recordkeeper          varchar(32) CHECK (recordkeeper IN ('voya', 'empower', 'fidelity', 'transamerica')),
    ADD COLUMN recordkeeping_plan_id varchar(255),
    ADD CONSTRAINT staged_sessions_plan_needs_recordkeeper CHECK (recordkeeping_plan_id IS NULL OR recordkeeper IS NOT NULL);
