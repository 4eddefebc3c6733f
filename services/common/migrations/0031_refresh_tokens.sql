-- Refresh tokens, stored as SHA-256 hashes only. One sign-in starts a family; each refresh uses
-- its token up (used_at) and adds the next one. A used token presented again means a copy is
-- in someone else's hands: the whole family is revoked.
CREATE TABLE refresh_token (
  id uuid PRIMARY KEY,
  family_id uuid NOT NULL,
  user_id uuid NOT NULL REFERENCES app_user (id),
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  revoked_at timestamptz,
  revoked_reason text
);
CREATE INDEX refresh_token_family ON refresh_token (family_id);
CREATE INDEX refresh_token_live_user ON refresh_token (user_id) WHERE revoked_at IS NULL;
