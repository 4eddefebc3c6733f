/** What an SMTP server answered for a mail it accepted. */
export interface SmtpReceipt {
  smtpMessageId: string;
}

/** Unrecorded sends kept at most; past it the oldest is forgotten (it may then go out twice). */
const DEFAULT_CAPACITY = 10_000;

/**
 * The mails this process sent (or is sending) whose record has not committed yet, by mail id and
 * recipient. A mail asked for again is not sent again: the same mail twice in one batch (a fact
 * published twice), a handler run again alone after its batch rolled back (a neighbour's mail
 * failed), a message retried after one of its recipients failed, a commit that failed. Another
 * process does not know these sends: there the mail can repeat, as after a crash between the send
 * and the commit (docs/adr/0031).
 */
export class SentMails {
  private readonly sends = new Map<string, Promise<SmtpReceipt>>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** The send already made or under way for this key, else `send()`'s, remembered. */
  send(key: string, send: () => Promise<SmtpReceipt>): Promise<SmtpReceipt> {
    const known = this.sends.get(key);
    if (known) return known;
    const sending = send();
    this.sends.set(key, sending);
    // A failed send is not a send: asked again, it is tried again.
    sending.catch(() => {
      if (this.sends.get(key) === sending) this.sends.delete(key);
    });
    if (this.sends.size > this.capacity) this.sends.delete(this.sends.keys().next().value!);
    return sending;
  }

  /** The mail's record committed: from now on the record is what says it was sent. */
  recorded(key: string): void {
    this.sends.delete(key);
  }

  get size(): number {
    return this.sends.size;
  }
}
