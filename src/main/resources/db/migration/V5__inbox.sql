-- The inbox. incoming_events already de-duplicates on Finch's event id; it now also queues the hints a
-- processor works off the request path: a webhook, a Kafka record or a report is one INSERT, and the
-- processor marks its rows done in the transaction that applies what Finch says.
ALTER TABLE incoming_events DROP CONSTRAINT incoming_events_channel_check;
ALTER TABLE incoming_events ADD CONSTRAINT incoming_events_channel_check
    CHECK (channel IN ('http', 'kafka', 'report', 'reconcile'));
-- Rows stored before this migration were handled at once: done.
ALTER TABLE incoming_events
    ADD COLUMN state           varchar(16) NOT NULL DEFAULT 'done' CHECK (state IN ('pending', 'done')),
    ADD COLUMN entity_id       varchar(255),
    ADD COLUMN attempts        integer     NOT NULL DEFAULT 0,
    ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN processed_at    timestamptz,
    -- The W3C trace of the request that stored the event, carried to the events its processing publishes.
    ADD COLUMN traceparent     varchar(128);

-- What the processor reads: the pending rows only, however many done rows wait for retention.
CREATE INDEX incoming_events_pending ON incoming_events (connection_id, next_attempt_at) WHERE state = 'pending';
CREATE INDEX incoming_events_pending_age ON incoming_events (received_at) WHERE state = 'pending';
CREATE INDEX incoming_events_done ON incoming_events (received_at) WHERE state = 'done';
ALTER TABLE incoming_events SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05);

-- One processor per connection at a time, across instances: a lease row, taken in one statement, given up in
-- the transaction that marks the connection's rows done (which also fences a holder whose lease ran out).
CREATE TABLE inbox_leases (
    connection_id varchar(255) PRIMARY KEY,
    owner         varchar(64)  NOT NULL,
    leased_until  timestamptz  NOT NULL
);

-- Reconciliation: when each live connection is next introspected (NULL: due now), and why the current
-- reauth episode began (the reauth_needed event's reason, repeated by its follow-up).
ALTER TABLE connections
    ADD COLUMN reconcile_due_at timestamptz,
    ADD COLUMN reauth_reason    varchar(32);
CREATE INDEX connections_reconcile_due ON connections (reconcile_due_at NULLS FIRST) WHERE status <> 'disconnected';

-- error_permissions and error_no_account_setup need the employer back as reauth does: the sweeper reads them too.
DROP INDEX connections_reauth_due;
CREATE INDEX connections_reauth_due ON connections (reauth_next_attempt_at)
    WHERE status IN ('reauth', 'error_permissions', 'error_no_account_setup');

-- Creating a reauthentication session at Finch is not idempotent (each call makes a new one). The intent is
-- recorded before the call; while it stands (retry_at in the future) no instance calls again for that episode.
-- An answer clears it; an outcome that leaves open whether Finch made a session keeps it until retry_at.
CREATE TABLE reauth_session_intents (
    connection_id varchar(255) NOT NULL REFERENCES connections (connection_id),
    episode       integer      NOT NULL,
    attempts      integer      NOT NULL DEFAULT 1,
    started_at    timestamptz  NOT NULL DEFAULT now(),
    retry_at      timestamptz  NOT NULL,
    PRIMARY KEY (connection_id, episode)
);
