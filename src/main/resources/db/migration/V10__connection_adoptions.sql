-- Adoption of stranded connections (issue 11 point 5): Finch granted a connection whose write failed, so this
-- service never stored it. An operator asks for a reauthentication session for it, naming its customer; the
-- session is kept here (connections has no row to hang it on) so the redirect-flow callback finds the
-- redirect_uri Finch wants back, and its completion stores the connection as the customer's.
CREATE TABLE connection_adoptions (
    session_id    varchar(255) PRIMARY KEY,
    connection_id varchar(255) NOT NULL,
    customer_id   varchar(255) NOT NULL REFERENCES customers (customer_id),
    connect_url   text         NOT NULL,
    redirect_uri  text,
    expires_at    timestamptz  NOT NULL,
    created_at    timestamptz  NOT NULL DEFAULT now()
);
CREATE INDEX connection_adoptions_connection ON connection_adoptions (connection_id);
