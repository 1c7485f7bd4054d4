-- The redirect_uri each reauthentication session was created with: the callback's code exchange must send
-- exactly that one to Finch (a redirect-flow code is refused without its session's redirect_uri). Sessions
-- stored before this column were all created with the first configured redirect URI; the callback uses that
-- for a NULL here.
ALTER TABLE reauth_sessions ADD COLUMN redirect_uri text;
