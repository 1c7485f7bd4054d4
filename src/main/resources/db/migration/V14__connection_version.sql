-- The entities an operator asked Finch to disconnect, until Finch's answer or an observation of Finch settles it:
-- the entity-level twin of disconnect_requested_at, so an answer lost on the way back is still announced once,
-- by the operator.
ALTER TABLE connections ADD COLUMN disconnect_requested_entity_ids text[] NOT NULL DEFAULT '{}';

-- A connection's version grows with every change to what this service knows of it from Finch or does to it: its
-- status, its entities, its token, an operator's disconnect. Whoever writes the row (an entity, a plain
-- statement, a release that does not know the column), the trigger counts it, so an observation of Finch can
-- record the version it was asked at and is never applied over a change committed after that.
CREATE FUNCTION connections_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.status, NEW.entity_ids, NEW.entity_statuses, NEW.disconnected_entity_ids, NEW.token_ciphertext,
        NEW.disconnect_requested_at, NEW.disconnect_requested_entity_ids)
       IS DISTINCT FROM (OLD.status, OLD.entity_ids, OLD.entity_statuses, OLD.disconnected_entity_ids,
        OLD.token_ciphertext, OLD.disconnect_requested_at, OLD.disconnect_requested_entity_ids) THEN
        NEW.version := OLD.version + 1;
    ELSE
        NEW.version := OLD.version;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER connections_version BEFORE UPDATE ON connections
    FOR EACH ROW EXECUTE FUNCTION connections_version();
