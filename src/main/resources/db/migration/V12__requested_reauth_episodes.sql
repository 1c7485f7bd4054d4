-- A reauthentication session asked for through the API while the connection is connected (to add products,
-- or to have the employer re-authorize) opens a reauth episode of its own, announced with reason requested:
-- set while that episode is open, cleared when the employer completes it, when Finch's status starts an
-- episode of its own, or when the connection ends.
ALTER TABLE connections ADD COLUMN reauth_requested_at timestamptz;
