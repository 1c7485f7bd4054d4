-- A disconnected connection's access token has no use left (Finch no longer takes it) and is a liability kept:
-- this release deletes it in the transaction that records the disconnect, so the columns allow its absence, but
-- only a disconnected connection may lack one. Expand only: the tokens of connections disconnected before this
-- release are deleted by the service in small batches (DisconnectedTokenPurge), not here, so a pod of the
-- previous release still running during the rollout finds every row as it knows them.
ALTER TABLE connections ALTER COLUMN token_key_id DROP NOT NULL,
                        ALTER COLUMN token_ciphertext DROP NOT NULL,
                        ALTER COLUMN token_format DROP NOT NULL;

ALTER TABLE connections ADD CONSTRAINT connections_live_have_a_token
    CHECK (status = 'disconnected' OR (token_key_id IS NOT NULL AND token_ciphertext IS NOT NULL
                                       AND token_format IS NOT NULL));
