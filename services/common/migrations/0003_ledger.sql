-- Double-entry ledger: a chart of accounts per organization, journals with their lines.
CREATE TABLE account (
  organization_id uuid NOT NULL REFERENCES organization (id),
  code text NOT NULL,
  name text NOT NULL,
  type text NOT NULL CHECK (type IN ('asset', 'liability', 'equity', 'revenue', 'expense')),
  PRIMARY KEY (organization_id, code)
);

CREATE TABLE journal (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organization (id),
  company_id uuid REFERENCES company (id),
  reference_type text NOT NULL,
  reference_id uuid NOT NULL,
  posting_kind text NOT NULL,
  description text NOT NULL,
  entry_date date NOT NULL,
  correlation_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- One posting per (source document, posting kind), however often its event arrives.
  UNIQUE (organization_id, reference_id, posting_kind)
);
CREATE INDEX journal_reference_idx ON journal (organization_id, reference_id);
CREATE INDEX journal_date_idx ON journal (organization_id, entry_date);

CREATE TABLE journal_line (
  id bigserial PRIMARY KEY,
  journal_id uuid NOT NULL REFERENCES journal (id),
  organization_id uuid NOT NULL,
  account_code text NOT NULL,
  debit numeric(14, 2) NOT NULL DEFAULT 0,
  credit numeric(14, 2) NOT NULL DEFAULT 0,
  FOREIGN KEY (organization_id, account_code) REFERENCES account (organization_id, code),
  -- A line is a debit or a credit, never both, never nothing, never negative.
  CHECK (debit >= 0 AND credit >= 0 AND (debit = 0) <> (credit = 0))
);
CREATE INDEX journal_line_journal_idx ON journal_line (journal_id);
CREATE INDEX journal_line_account_idx ON journal_line (organization_id, account_code);

-- The database refuses an unbalanced journal: checked at commit, once all lines are in.
CREATE FUNCTION journal_must_balance() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  jid uuid;
  lines integer;
  total_debit numeric;
  total_credit numeric;
BEGIN
  IF TG_TABLE_NAME = 'journal' THEN
    jid := NEW.id;
  ELSIF TG_OP = 'DELETE' THEN
    jid := OLD.journal_id;
  ELSE
    jid := NEW.journal_id;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM journal WHERE id = jid) THEN
    RETURN NULL;
  END IF;
  SELECT count(*), coalesce(sum(debit), 0), coalesce(sum(credit), 0)
    INTO lines, total_debit, total_credit
    FROM journal_line WHERE journal_id = jid;
  IF lines < 2 OR total_debit <> total_credit THEN
    RAISE EXCEPTION 'journal % is not balanced: % lines, debits %, credits %',
      jid, lines, total_debit, total_credit
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER journal_balanced_on_insert
  AFTER INSERT ON journal
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION journal_must_balance();

CREATE CONSTRAINT TRIGGER journal_lines_balanced
  AFTER INSERT OR UPDATE OR DELETE ON journal_line
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION journal_must_balance();
