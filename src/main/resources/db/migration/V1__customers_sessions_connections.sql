-- Customers, their Connect sessions and their Finch connections. Every uniqueness rule of the service is a
-- constraint here, so concurrent requests cannot break it even where the code checks first.

CREATE TABLE customers (
    customer_id    varchar(255) PRIMARY KEY CHECK (length(customer_id) > 0),
    customer_name  varchar(255) NOT NULL CHECK (length(customer_name) > 0),
    customer_email varchar(320),
    created_at     timestamptz  NOT NULL DEFAULT now(),
    updated_at     timestamptz  NOT NULL DEFAULT now()
);

-- One staged session per customer (Finch itself keeps one per customer_id and refreshes it in place).
CREATE TABLE staged_sessions (
    customer_id          varchar(255) PRIMARY KEY REFERENCES customers (customer_id),
    session_id           varchar(255) NOT NULL UNIQUE,
    connect_url          text         NOT NULL,
    products             text[]       NOT NULL CHECK (cardinality(products) > 0),
    redirect_uri         text,
    integration_provider varchar(255),
    integration_auth     varchar(32)  CHECK (integration_auth IN ('assisted', 'credential', 'oauth', 'api_token')),
    sandbox              varchar(16)  CHECK (sandbox IN ('finch', 'provider')),
    manual               boolean,
    minutes_to_expire    integer      NOT NULL CHECK (minutes_to_expire > 0),
    expires_at           timestamptz  NOT NULL,
    created_at           timestamptz  NOT NULL DEFAULT now(),
    refreshed_at         timestamptz  NOT NULL DEFAULT now(),
    version              integer      NOT NULL DEFAULT 0
);

-- A customer_id names one employer entity, so it has at most one connection; reconnecting goes through
-- reauthentication of that same connection.
CREATE TABLE connections (
    connection_id       varchar(255) PRIMARY KEY,
    customer_id         varchar(255) NOT NULL UNIQUE REFERENCES customers (customer_id),
    status              varchar(32)  NOT NULL CHECK (status IN ('pending', 'processing', 'connected', 'reauth',
                                                               'disconnected', 'error_no_account_setup',
                                                               'error_permissions')),
    -- Finch's time of the newest status we applied: older events replayed later must not flip it back.
    status_changed_at   timestamptz  NOT NULL,
    reauth_episode      integer      NOT NULL DEFAULT 0,
    company_id          varchar(255),
    provider_id         varchar(255),
    connection_type     varchar(32),
    client_type         varchar(32),
    products            text[]       NOT NULL DEFAULT '{}',
    entity_ids          text[]       NOT NULL DEFAULT '{}',
    token_key_id        varchar(64)  NOT NULL,
    token_ciphertext    bytea        NOT NULL,
    connected_at        timestamptz  NOT NULL,
    updated_at          timestamptz  NOT NULL DEFAULT now(),
    version             integer      NOT NULL DEFAULT 0
);

-- Exactly one reauthentication session per reauth episode of a connection.
CREATE TABLE reauth_sessions (
    connection_id varchar(255) NOT NULL REFERENCES connections (connection_id),
    episode       integer      NOT NULL,
    session_id    varchar(255) NOT NULL UNIQUE,
    connect_url   text         NOT NULL,
    expires_at    timestamptz  NOT NULL,
    created_at    timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (connection_id, episode)
);

-- Signed redirect-flow states that were used once; a replayed state finds its row here.
CREATE TABLE consumed_states (
    state_id    varchar(64) PRIMARY KEY,
    consumed_at timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);

-- Incoming Finch events by Finch's event id: the primary key is the de-duplication.
CREATE TABLE incoming_events (
    event_id      varchar(255) PRIMARY KEY,
    channel       varchar(16)  NOT NULL CHECK (channel IN ('http', 'kafka', 'report')),
    event_type    varchar(128),
    connection_id varchar(255),
    occurred_at   timestamptz,
    received_at   timestamptz  NOT NULL DEFAULT now(),
    outcome       varchar(32)  NOT NULL,
    detail        text
);
CREATE INDEX incoming_events_connection ON incoming_events (connection_id);
