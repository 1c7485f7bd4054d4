-- Parallel relaying: each row belongs to one of 64 partitions, a stable hash of its key fixed at insert (a
-- stored generated column, so every writer computes it the same way). All rows of a key share a partition,
-- and each partition has one owner at a time, so per-key order holds across instances.
ALTER TABLE outbox
    ADD COLUMN partition smallint NOT NULL GENERATED ALWAYS AS ((hashtextextended(message_key, 0) & 63)::smallint) STORED;

-- Ownership by lease: the owner renews lease_until on every heartbeat; another instance may take a partition
-- only once it is free or its lease ran out, and taking it increments the fencing token. The relay's writes
-- (settling a batch, recording a failure) name the token they were claimed under and are refused once it
-- changed, so an owner that was frozen past its lease cannot mark rows it no longer owns.
CREATE TABLE outbox_partition (
    partition    smallint     PRIMARY KEY CHECK (partition BETWEEN 0 AND 63),
    owner        varchar(255),
    token        bigint       NOT NULL DEFAULT 0,
    lease_until  timestamptz  NOT NULL DEFAULT '-infinity'
);
INSERT INTO outbox_partition (partition) SELECT generate_series(0, 63);

-- The live relays: each instance heartbeats its row; the live ones share the partitions by a rule every
-- instance computes alike (partition p goes to the (p mod n)-th live member by name).
CREATE TABLE outbox_relay_member (
    member       varchar(255) PRIMARY KEY,
    lease_until  timestamptz  NOT NULL
);

-- Both are tiny and updated every heartbeat: keep their pages free for HOT updates.
ALTER TABLE outbox_partition SET (fillfactor = 50);
ALTER TABLE outbox_relay_member SET (fillfactor = 50);
