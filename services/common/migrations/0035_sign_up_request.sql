-- Sign-ups waiting for their mailed link (and, for an address that already has an account, the
-- attempt, so both answers do the same work and leave the same trace). Only the SHA-256 of the
-- one-time token is kept: whoever reads this table cannot click the link.
CREATE TABLE sign_up_request (
  id uuid PRIMARY KEY,
  token_hash text NOT NULL UNIQUE,
  outcome text NOT NULL CHECK (outcome IN ('link-sent', 'owner-notified')),
  email text NOT NULL,
  admin_name text NOT NULL,
  password_hash text NOT NULL,
  organization_name text NOT NULL,
  company_name text NOT NULL,
  time_zone text,
  requested_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  organization_id uuid
);
CREATE INDEX sign_up_request_email ON sign_up_request (lower(email), requested_at);
