import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Warnings and errors a copy logged, by message, most frequent first: what happened, not every line. */
function countsOf(text: string): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    let entry: { level?: number; msg?: string };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if ((entry.level ?? 0) < 40 || !entry.msg) continue;
    counts.set(entry.msg, (counts.get(entry.msg) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}

/**
 * What a failed run leaves for the next reader, printed with its report (the cluster's logs are
 * gone with a CI machine): each copy's warnings and errors by message, and every log line that
 * names one of `ids` (the violations' correlation ids), a few per id.
 */
export function logDigest(logsDir: string, ids: readonly string[], perId = 6): string[] {
  if (!existsSync(logsDir)) return [`(no logs in ${logsDir})`];
  const files = readdirSync(logsDir)
    .filter((f) => f.endsWith('.log'))
    .sort();
  const out: string[] = [];
  const texts = new Map(files.map((f) => [f, readFileSync(join(logsDir, f), 'utf8')]));
  for (const [file, text] of texts) {
    const counts = countsOf(text);
    if (counts.length > 0) out.push(`${file}: ${counts.map(([m, n]) => `${m} x${n}`).join('; ')}`);
  }
  for (const id of new Set(ids)) {
    const lines = [...texts].flatMap(([file, text]) =>
      text
        .split('\n')
        .filter((l) => l.includes(id))
        .map((l) => `${file}: ${l.slice(0, 400)}`),
    );
    out.push(`${id}: ${lines.length} line(s)`, ...lines.slice(0, perId).map((l) => `  ${l}`));
  }
  return out;
}

/** `rabbitmqctl list_queues … --formatter json` rows that still hold messages, one line each. */
export function heldQueues(listQueuesJson: string): string[] {
  const rows = JSON.parse(listQueuesJson) as Array<{
    name: string;
    messages_ready: number;
    messages_unacknowledged: number;
  }>;
  return rows
    .filter((q) => q.messages_ready + q.messages_unacknowledged > 0)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((q) => `${q.name}: ${q.messages_ready} ready, ${q.messages_unacknowledged} unacknowledged`);
}
