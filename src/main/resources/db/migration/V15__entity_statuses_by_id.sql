-- Each attached entity's status as Finch last gave it, keyed by the entity's id: {"<entity_id>": "<status>"}. It
-- replaces entity_statuses, an array aligned with entity_ids by position, which went out of line whenever the ids
-- changed without it. That column stays, no longer written, for a release still running beside this one (expand,
-- then contract); an entity it gave no status takes the connection's.
ALTER TABLE connections ADD COLUMN entity_statuses_by_id jsonb NOT NULL DEFAULT '{}';

UPDATE connections c SET entity_statuses_by_id = COALESCE(
    (SELECT jsonb_object_agg(e.entity_id, COALESCE(e.status, c.status))
       FROM unnest(c.entity_ids, c.entity_statuses) AS e(entity_id, status)
      WHERE e.entity_id IS NOT NULL),
    '{}');

-- When Finch first refused the connection's token with a 401 of its own that is not reauthenticate_user, until a
-- second refusal after REAUTH_DISCONNECT_CONFIRMATION_DELAY, or Finch's own webhook, confirms the disconnect.
ALTER TABLE connections ADD COLUMN disconnect_suspected_at timestamptz;

CREATE OR REPLACE FUNCTION connections_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.status, NEW.entity_ids, NEW.entity_statuses, NEW.entity_statuses_by_id, NEW.disconnected_entity_ids,
        NEW.token_ciphertext, NEW.disconnect_requested_at, NEW.disconnect_requested_entity_ids)
       IS DISTINCT FROM (OLD.status, OLD.entity_ids, OLD.entity_statuses, OLD.entity_statuses_by_id,
        OLD.disconnected_entity_ids, OLD.token_ciphertext, OLD.disconnect_requested_at,
        OLD.disconnect_requested_entity_ids) THEN
        NEW.version := OLD.version + 1;
    ELSE
        NEW.version := OLD.version;
    END IF;
    RETURN NEW;
END
$$;

-- The status a hint reported (account.updated's data.status), kept with the event: Finch's own webhook saying a
-- connection is disconnected confirms a refusal of its token at once.
ALTER TABLE incoming_events ADD COLUMN reported_status varchar(32);
