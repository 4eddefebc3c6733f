-- Handler names follow <service>.<feature>.<fact> (docs/adr/0011-service-shape.md). The inbox keys
-- and dead-letter reasons of the old names move to the new ones, so a message delivered again after
-- the upgrade is still recognised as handled. Notification: replicas and mails by feature.
CREATE TEMPORARY TABLE handler_rename (old_name text PRIMARY KEY, new_name text NOT NULL);
INSERT INTO handler_rename (old_name, new_name) VALUES
  ('notification.replica.organization', 'notification.replicas.organization-registered'),
  ('notification.replica.customer-created', 'notification.replicas.customer-created'),
  ('notification.replica.customer-updated', 'notification.replicas.customer-updated'),
  ('notification.mail.invoice-created', 'notification.invoices.invoice-created'),
  ('notification.mail.send-invoice-email', 'notification.invoices.send-invoice-email'),
  ('notification.mail.payment-reminder', 'notification.invoices.send-payment-reminder'),
  ('notification.mail.payment-receipt', 'notification.payments.payment-received'),
  ('notification.mail.po-approval-required', 'notification.purchase-orders.po-submitted'),
  ('notification.mail.po-approved', 'notification.purchase-orders.po-approved'),
  ('notification.mail.po-rejected', 'notification.purchase-orders.po-rejected'),
  ('notification.mail.payslip', 'notification.payslips.salary-posted');
UPDATE inbox AS i SET handler = r.new_name FROM handler_rename r
 WHERE i.handler = r.old_name
   AND NOT EXISTS (SELECT 1 FROM inbox n WHERE n.message_id = i.message_id AND n.handler = r.new_name);
UPDATE dead_letter AS d
   SET reason = replace(d.reason, 'handler ' || r.old_name || ' failed', 'handler ' || r.new_name || ' failed'),
       headers = CASE WHEN d.headers ->> 'x-dead-letter-reason' IS NULL THEN d.headers
         ELSE jsonb_set(d.headers, '{x-dead-letter-reason}', to_jsonb(replace(d.headers ->> 'x-dead-letter-reason',
           'handler ' || r.old_name || ' failed', 'handler ' || r.new_name || ' failed'))) END
  FROM handler_rename r
 WHERE d.reason LIKE 'handler ' || r.old_name || ' failed%';
DROP TABLE handler_rename;
