-- Mail may carry attachments (payslip PDFs): the log lists them (name, type, size); the embedded
-- mailbox keeps their content, since there is no other copy of the mail there.
ALTER TABLE outgoing_email ADD COLUMN attachments jsonb NOT NULL DEFAULT '[]';

CREATE TABLE mailbox_attachment (
  message_id uuid NOT NULL,
  recipient text NOT NULL,
  position integer NOT NULL,
  filename text NOT NULL,
  content_type text NOT NULL,
  content bytea NOT NULL,
  PRIMARY KEY (message_id, recipient, position)
);
