-- Replicas fed by events (handlers make no synchronous calls), the outgoing mail log and the
-- embedded mailbox.
CREATE TABLE organization_replica (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  updated_at timestamptz NOT NULL
);

-- Customers' contact details (CustomerCreated / CustomerUpdated); updated_at is the event's time,
-- so an older event arriving late never overwrites a newer one.
CREATE TABLE contact (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL,
  name text NOT NULL,
  email text NOT NULL,
  updated_at timestamptz NOT NULL
);

-- One row per mail sent: (message, recipient) is sent once however often the message arrives.
CREATE TABLE outgoing_email (
  id bigserial PRIMARY KEY,
  message_id uuid NOT NULL,
  recipient text NOT NULL,
  organization_id uuid NOT NULL,
  template text NOT NULL,
  subject text NOT NULL,
  correlation_id text NOT NULL,
  transport text NOT NULL CHECK (transport IN ('smtp', 'mailbox')),
  smtp_message_id text,
  sent_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (message_id, recipient)
);
CREATE INDEX outgoing_email_org_idx ON outgoing_email (organization_id, id);
CREATE INDEX outgoing_email_recipient_idx ON outgoing_email (organization_id, lower(recipient));
CREATE INDEX outgoing_email_correlation_idx ON outgoing_email (correlation_id);

-- The embedded mode's mailbox (no SMTP server configured): the whole mail, readable over HTTP.
CREATE TABLE mailbox (
  message_id uuid NOT NULL,
  recipient text NOT NULL,
  sender text NOT NULL,
  html text NOT NULL,
  text text NOT NULL,
  PRIMARY KEY (message_id, recipient)
);
