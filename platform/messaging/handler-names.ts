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
