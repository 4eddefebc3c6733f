/** Thrown for every mail while delivery is down: the bus retries it, then dead-letters it with this reason. */
export class MailDeliveryDownError extends Error {
  override name = 'MailDeliveryDownError';
}

export type MailDeliveryState = 'up' | 'down';

export interface MailDeliveryStatus {
  state: MailDeliveryState;
  /** When the state last changed (the service's start while nobody has switched it). */
  since: string;
  /** Who switched it last (the token's subject), null until someone does. */
  changedBy: string | null;
}

/**
 * An operator's switch for this instance's mail delivery. Down, every mail fails as it would with
 * the SMTP server gone, so the outage, the retry ladder, the dead letters and their replay can be
 * seen and practised on the embedded mailbox too. Kept in memory, like the payment gateway's
 * faults: a restart brings delivery back up.
 */
export class MailDeliverySwitch {
  private status: MailDeliveryStatus;

  constructor(now: Date = new Date()) {
    this.status = { state: 'up', since: now.toISOString(), changedBy: null };
  }

  current(): MailDeliveryStatus {
    return { ...this.status };
  }

  /** Switching to the state it is already in changes nothing (not even `since`). */
  set(state: MailDeliveryState, by: string, now: Date = new Date()): MailDeliveryStatus {
    if (state !== this.status.state) this.status = { state, since: now.toISOString(), changedBy: by };
    return this.current();
  }

  /** Throws while delivery is down. */
  assertUp(): void {
    if (this.status.state === 'down') {
      // The same words every time: dead letters of one outage read alike.
      throw new MailDeliveryDownError(
        'mail delivery is down: an operator switched it off (PUT /api/ops/mail-delivery {"state":"up"} restores it)',
      );
    }
  }
}
