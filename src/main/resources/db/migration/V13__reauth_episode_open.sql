-- A reauth episode that Finch's statuses opened stays open while Finch shows pending or processing (the employer
-- working in Connect) and closes, with reauthenticated, when Finch says connected. The status alone cannot tell
-- a pending inside an episode from any other.
ALTER TABLE connections ADD COLUMN reauth_open boolean NOT NULL DEFAULT false;

UPDATE connections SET reauth_open = true WHERE status IN ('reauth', 'error_permissions', 'error_no_account_setup');
