-- Durable connect links: a random token (only its SHA-256 is kept) bound to one customer; each visit decides by the
-- customer's state then. An episode's link is one per (connection, episode); other links have neither column.
CREATE TABLE connect_links (
    link_id       uuid         PRIMARY KEY,
    token_hash    bytea        NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    customer_id   varchar(255) NOT NULL REFERENCES customers (customer_id),
    purpose       varchar(16)  NOT NULL CHECK (purpose IN ('connect', 'reauthenticate')),
    source        varchar(16)  NOT NULL CHECK (source IN ('api', 'connect_link', 'episode')),
    connection_id varchar(255),
    episode       integer,
    created_at    timestamptz  NOT NULL DEFAULT now(),
    expires_at    timestamptz  NOT NULL,
    revoked_at    timestamptz,
    CHECK ((source = 'episode') = (connection_id IS NOT NULL AND episode IS NOT NULL)),
    UNIQUE (connection_id, episode)
);
CREATE INDEX connect_links_customer ON connect_links (customer_id, created_at);

-- Visits per bucket (a link's id, a client address) and minute, shared by every replica.
CREATE TABLE connect_link_visits (
    bucket       varchar(300) NOT NULL,
    window_start timestamptz  NOT NULL,
    visits       integer      NOT NULL,
    PRIMARY KEY (bucket, window_start)
);

-- When a visit last asked Finch for a customer's session: at most once per customer per interval, across replicas.
CREATE TABLE connect_link_finch_calls (
    customer_id varchar(255) PRIMARY KEY REFERENCES customers (customer_id),
    called_at   timestamptz  NOT NULL
);
