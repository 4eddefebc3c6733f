/** What the mail switch's runbook says follows an outage (services/notification/README.md). */
export const MAIL_DOWN_REASON = 'mail delivery is down';

/** Longer than the production retry ladder (1 + 5 + 15 s): what failed in an outage is dead by then. */
export const LADDER_MS = 25_000;

interface DeadLetterSummary {
  id: string;
  messageId: string | null;
  reason: string;
  category: string;
  deadLetteredAt: string;
}

/**
 * After a mail outage, an operator replays the dead letters it caused ("replaying the dead letters
 * then sends the mails, once each"): those whose reason is the outage, and Notification's failed
 * handlers dead-lettered while it lasted or within a retry ladder after (a message whose first
 * attempts failed on the outage carries the reason of its last attempt only, e.g. a PostgreSQL
 * restart that came next). Any other dead letter stays for the checker. Returns the ids replayed.
 */
export async function replayMailOutage(
  notificationUrl: string,
  token: string,
  since: string,
  outages: readonly { from: number; to: number }[],
): Promise<string[]> {
  const res = await fetch(
    `${notificationUrl}/api/ops/dead-letters?status=open&limit=500&since=${encodeURIComponent(since)}`,
    { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) },
  );
  if (res.status !== 200) return [];
  const { items } = (await res.json()) as { items: DeadLetterSummary[] };
  const inOutage = (at: string) =>
    outages.some((o) => Date.parse(at) >= o.from && Date.parse(at) <= o.to + LADDER_MS);
  const caused = items.filter(
    (d) =>
      d.reason.includes(MAIL_DOWN_REASON) || (d.category === 'handler-failed' && inOutage(d.deadLetteredAt)),
  );
  const replayed: string[] = [];
  for (const d of caused) {
    const r = await fetch(`${notificationUrl}/api/ops/dead-letters/${d.id}/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(30_000),
    });
    if (r.ok && d.messageId) replayed.push(d.messageId);
  }
  return replayed;
}
