-- What the reauth-session sweeper needs to create each episode's session durably: when to try again, how
-- often it tried, and what the follow-up event repeats from the transition (source event, detection time).
ALTER TABLE connections
    ADD COLUMN reauth_attempts        integer     NOT NULL DEFAULT 0,
    ADD COLUMN reauth_next_attempt_at timestamptz,
    ADD COLUMN reauth_source_event_id varchar(255),
    ADD COLUMN reauth_detected_at     timestamptz;

-- The sweeper looks only at connections in reauth.
CREATE INDEX connections_reauth_due ON connections (reauth_next_attempt_at) WHERE status = 'reauth';
