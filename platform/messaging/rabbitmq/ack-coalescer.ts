/** What the coalescer sends: one ack of `tag` alone, or of every delivery up to and including it. */
export interface AckFrame {
  tag: number;
  multiple: boolean;
}

/**
 * Coalesces one channel's acks: those made in the same turn of the event loop (a handler batch's
 * members commit together) go out as one `multiple` ack when they are the oldest deliveries still
 * unsettled on the channel, each alone otherwise. A quorum queue applies every ack frame through
 * its Raft log, so a batch of sixteen acks is sixteen log entries; coalesced, it is one. An ack is
 * never held past the turn it was made in: a slow delivery ahead of it does not delay it, it only
 * makes it go alone. Delivery tags grow on a channel, so the outstanding ones stay in order.
 */
export class AckCoalescer {
  /** Delivered and not yet acked (or acked this turn, not yet sent), oldest first. */
  private readonly outstanding: number[] = [];
  private readonly acked = new Set<number>();
  private scheduled = false;

  constructor(private readonly send: (frame: AckFrame) => void) {}

  delivered(tag: number): void {
    this.outstanding.push(tag);
  }

  ack(tag: number): void {
    this.acked.add(tag);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /** Sends what was acked: the oldest run as one frame, the rest one by one. */
  flush(): void {
    if (this.acked.size === 0) return;
    let run = 0;
    while (run < this.outstanding.length && this.acked.has(this.outstanding[run]!)) run++;
    if (run > 0) {
      const last = this.outstanding[run - 1]!;
      for (const tag of this.outstanding.splice(0, run)) this.acked.delete(tag);
      this.send({ tag: last, multiple: run > 1 });
    }
    for (const tag of [...this.acked].sort((a, b) => a - b)) {
      const at = this.outstanding.indexOf(tag);
      if (at >= 0) this.outstanding.splice(at, 1);
      this.acked.delete(tag);
      this.send({ tag, multiple: false });
    }
  }
}
