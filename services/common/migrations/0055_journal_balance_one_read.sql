-- The balance check reads the journal and its lines in one statement instead of two (an existence
-- check, then the sums): it fires three times per invoice's journal at commit (the journal and
-- each line), so this halves the statements PostgreSQL runs inside it. Same rule as 0003.
CREATE OR REPLACE FUNCTION journal_must_balance() RETURNS trigger LANGUAGE plpgsql AS $$
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
  SELECT count(l.journal_id), coalesce(sum(l.debit), 0), coalesce(sum(l.credit), 0)
    INTO lines, total_debit, total_credit
    FROM journal j LEFT JOIN journal_line l ON l.journal_id = j.id
   WHERE j.id = jid
   GROUP BY j.id;
  -- No journal (deleted with its lines): nothing left to balance.
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  IF lines < 2 OR total_debit <> total_credit THEN
    RAISE EXCEPTION 'journal % is not balanced: % lines, debits %, credits %',
      jid, lines, total_debit, total_credit
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$;
