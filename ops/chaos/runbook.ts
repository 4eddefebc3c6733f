/** What the mail switch's runbook says follows an outage (services/notification/README.md). */
export const MAIL_DOWN_REASON = 'mail delivery is down';

/**
 * After a mail outage, an operator replays the dead letters it caused ("replaying the dead letters
 * then sends the mails, once each"). Only those: any other dead letter stays for the checker.
 * Returns the message ids replayed now.
 */
export async function replayMailOutage(
  notificationUrl: string,
  token: string,
  since: string,
): Promise<string[]> {
  const res = await fetch(
    `${notificationUrl}/api/ops/dead-letters?status=open&limit=500&since=${encodeURIComponent(since)}`,
    { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) },
  );
  if (res.status !== 200) return [];
  const { items } = (await res.json()) as {
    items: { id: string; messageId: string | null; reason: string }[];
  };
  const replayed: string[] = [];
  for (const d of items.filter((x) => x.reason.includes(MAIL_DOWN_REASON))) {
    const r = await fetch(`${notificationUrl}/api/ops/dead-letters/${d.id}/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(30_000),
    });
    if (r.ok && d.messageId) replayed.push(d.messageId);
  }
  return replayed;
}
