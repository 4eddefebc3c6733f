-- LedgerPosted is routed by posting kind now (common.ledger-posted.invoice, .bill, ...), and the
-- broad binding `common.ledger-posted` is removed from every queue. Acknowledgements written
-- before the deploy and not yet relayed would find no queue: give them the key they have now.
UPDATE outbox
   SET routing_key = routing_key || '.' || (body::jsonb #>> '{payload,postingKind}')
 WHERE sent_at IS NULL
   AND type = 'common.ledger-posted'
   AND routing_key = 'common.ledger-posted';
