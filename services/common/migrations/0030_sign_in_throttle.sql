-- Failed sign-ins counted per account (the email asked for, whether or not it exists) and per
-- client address: `account:<email>` / `address:<ip>`. A key is locked until `locked_until`.
CREATE TABLE sign_in_throttle (
  key text PRIMARY KEY,
  failures integer NOT NULL,
  window_started_at timestamptz NOT NULL,
  locked_until timestamptz
);

-- Who tried, from where, when: every failed and every refused (locked) sign-in.
CREATE TABLE sign_in_event (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  email text NOT NULL,
  address text NOT NULL,
  user_id uuid,
  outcome text NOT NULL CHECK (outcome IN ('failed', 'locked'))
);
CREATE INDEX sign_in_event_at ON sign_in_event (at);
CREATE INDEX sign_in_event_email ON sign_in_event (email, at);
