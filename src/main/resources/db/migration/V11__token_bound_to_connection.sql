-- What a token's AES-GCM associated data covers: 1 = its key id (every token sealed before this version),
-- 2 = its key id and connection id. SQL cannot re-encrypt (it has no key), so existing rows stay 1 and keep
-- decrypting; POST /v1/admin/token-vault/re-encrypt rewrites them as 2 under the active key
-- (docs/operations.md, "Retiring a token vault key"). The default is 1 so that an instance of the previous
-- release, which does not know this column, still writes a row that reads back correctly during a rollout.
ALTER TABLE connections ADD COLUMN token_format smallint NOT NULL DEFAULT 1 CHECK (token_format IN (1, 2));
