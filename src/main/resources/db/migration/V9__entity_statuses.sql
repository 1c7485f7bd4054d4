-- Each entity's status as Finch's introspection last gave it, aligned with entity_ids (same order); empty until
-- Finch was first asked. The connection's status is the worst among the entities still attached.
ALTER TABLE connections ADD COLUMN entity_statuses text[] NOT NULL DEFAULT '{}';
