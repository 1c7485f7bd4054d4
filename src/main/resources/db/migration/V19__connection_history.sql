-- Every event of a connection, kept after its outbox row is gone: what support reads to see what happened to one
-- connection over time. Appended in the transaction that writes the event's outbox row, never updated but to remove
-- personal fields; deleted after CONNECTION_HISTORY_RETENTION. Its id orders a connection's events as they committed
-- (they are written under the connection's row lock).
CREATE TABLE connection_history (
    id                bigserial    PRIMARY KEY,
    connection_id     varchar(255) NOT NULL,
    event_id          uuid         NOT NULL UNIQUE,
    event_type        varchar(128) NOT NULL,
    connection_status varchar(32),
    payload           jsonb        NOT NULL,
    recorded_at       timestamptz  NOT NULL DEFAULT now()
);
CREATE INDEX connection_history_connection ON connection_history (connection_id, id);
CREATE INDEX connection_history_recorded ON connection_history (recorded_at);
