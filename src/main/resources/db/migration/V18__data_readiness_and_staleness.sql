-- Finch's last_successful_sync as last observed, and since when the connection has been stale (its last successful
-- sync older than CONNECTION_STALE_AFTER): set when a stale spell begins, announced once, cleared when it ends.
ALTER TABLE connections ADD COLUMN last_successful_sync timestamptz,
                        ADD COLUMN stale_since timestamptz;
CREATE INDEX connections_stale ON connections (connection_id) WHERE stale_since IS NOT NULL;

-- A data-sync webhook's job, as Finch sent it: the data_synced event passes it on.
ALTER TABLE incoming_events ADD COLUMN job_id varchar(255),
                            ADD COLUMN job_url varchar(2048);
