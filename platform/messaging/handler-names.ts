/**
 * Handler names are the inbox key and the dead-letter reason: `<service>.<feature>.<fact>`, where
 * the fact is the message type without its source (`common.ledger.invoice-created` handles
 * `sales.invoice-created`).
 */
export const HANDLER_NAME =
  /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*\.[a-z][a-z0-9]*(?:-[a-z0-9]+)*\.[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** The fact a message type names: `sales.invoice-created` -> `invoice-created`. */
export const factOf = (type: string): string => type.slice(type.indexOf('.') + 1);

/** What is wrong with a handler's name for `service` handling `type` (null: nothing). */
export function handlerNameProblem(service: string, name: string, type: string): string | null {
  if (!HANDLER_NAME.test(name)) return `${name}: expected <service>.<feature>.<fact> in kebab case`;
  const [owner, , fact] = name.split('.');
  if (owner !== service) return `${name}: expected it to start with ${service}.`;
  if (fact !== factOf(type)) return `${name}: expected it to end with .${factOf(type)} (it handles ${type})`;
  return null;
}

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;

/**
 * SQL that carries a renamed handler's inbox rows and archived dead letters over to its new name,
 * so a message delivered again after the upgrade is still recognised as handled.
 */
export function handlerRenameSql(renames: Record<string, string>): string {
  const pairs = Object.entries(renames)
    .map(([from, to]) => `  (${quote(from)}, ${quote(to)})`)
    .join(',\n');
  return `
CREATE TEMPORARY TABLE handler_rename (old_name text PRIMARY KEY, new_name text NOT NULL);
INSERT INTO handler_rename (old_name, new_name) VALUES
${pairs};
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
`;
}
