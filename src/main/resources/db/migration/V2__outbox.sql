-- The transactional outbox: written in the same transaction as each state change, relayed to Kafka.
CREATE TABLE outbox (
    id            bigserial    PRIMARY KEY,
    event_id      uuid         NOT NULL UNIQUE,          -- ce_id, stable across redelivery
    message_key   varchar(255) NOT NULL,                 -- Kafka key, e.g. the connection_id
    event_type    varchar(128) NOT NULL,                 -- ce_type
    payload       jsonb        NOT NULL,
    headers       jsonb        NOT NULL DEFAULT '{}',    -- extra Kafka headers, e.g. traceparent
    created_at    timestamptz  NOT NULL DEFAULT clock_timestamp(),
    attempts      integer      NOT NULL DEFAULT 0,       -- counted when claimed, so a crash loop counts too
    last_error    text,
    parked_at     timestamptz,
    sent_at       timestamptz
);

-- The relay reads only pending rows; a partial index keeps that cheap however many sent rows wait for
-- retention.
CREATE INDEX outbox_pending ON outbox (id) WHERE sent_at IS NULL AND parked_at IS NULL;
CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX outbox_parked ON outbox (id) WHERE parked_at IS NOT NULL;

-- High churn: every row is inserted, updated once and deleted. Vacuum early instead of at 20% dead tuples.
ALTER TABLE outbox SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000,
                        autovacuum_analyze_scale_factor = 0.02, fillfactor = 80);
