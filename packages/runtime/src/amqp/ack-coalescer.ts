// Acks of one channel, coalesced per event-loop turn. A consumer finishes
// messages in bursts (a batch publish confirmed, a CDR flush committed, a
// TCP read of deliver_sm_resp): acking each one is a frame and, on a quorum
// queue, a Raft command per message. At the end of the turn the longest run
// of finished deliveries at the head of the channel's unacked list goes as
// ONE `basic.ack multiple=true`; finished deliveries behind one still being
// worked on are acked singly in the same turn, so no ack is ever held back
// longer than the turn that produced it (a crash cannot redeliver more than
// it did before).
//
// Delivery tags are per channel and increase in delivery order; the broker
// acks every outstanding tag ≤ the given one with multiple=true, so the run
// must never reach past a delivery that is not finished.

/** What the coalescer needs of an amqplib channel. */
export interface AckChannel {
  ack(message: { fields: { deliveryTag: number } }, allUpTo?: boolean): void;
}

type State = 'working' | 'acked' | 'settled';

export class AckCoalescer {
  /** Outstanding deliveries in tag order (delivery order). */
  private readonly order: number[] = [];
  private readonly state = new Map<number, State>();
  private head = 0;
  private scheduled = false;

  constructor(
    private readonly channel: AckChannel,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** A delivery arrived (call in delivery order). */
  track(deliveryTag: number): void {
    this.order.push(deliveryTag);
    this.state.set(deliveryTag, 'working');
  }

  /** The delivery is done and may be acked (at the end of this turn). */
  ack(deliveryTag: number): void {
    this.finish(deliveryTag, 'acked');
  }

  /**
   * The delivery was settled another way (nack/reject, sent by the caller
   * right away): it no longer blocks the run. A later multiple ack passing
   * over its tag is harmless, the broker no longer counts it as outstanding.
   */
  settledElsewhere(deliveryTag: number): void {
    this.finish(deliveryTag, 'settled');
  }

  private finish(deliveryTag: number, state: 'acked' | 'settled'): void {
    if (this.state.get(deliveryTag) !== 'working') return;
    this.state.set(deliveryTag, state);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Deliveries tracked and not yet acked or settled. */
  get outstanding(): number {
    let n = 0;
    for (const s of this.state.values()) if (s === 'working') n += 1;
    return n;
  }

  /** Sends what is finished now (before closing the channel). */
  flushNow(): void {
    this.flush();
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    // 1. The finished run at the head: one multiple ack up to its last ack.
    let lastAcked: number | undefined;
    while (this.head < this.order.length) {
      const tag = this.order[this.head] as number;
      const s = this.state.get(tag);
      if (s === 'working') break;
      if (s === 'acked') lastAcked = tag;
      this.state.delete(tag);
      this.head += 1;
    }
    if (lastAcked !== undefined) this.send(lastAcked, true);
    // 2. Finished deliveries behind a working one: singly, now. They leave
    // the map at once (a tag without state counts as settled when the head
    // gets there), so a slow delivery at the head only holds its followers'
    // numbers, not their entries.
    for (let i = this.head; i < this.order.length; i += 1) {
      const tag = this.order[i] as number;
      if (this.state.get(tag) === 'acked') {
        this.send(tag, false);
        this.state.delete(tag);
      }
    }
    // Compact now and then so the array does not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
  };

  private send(deliveryTag: number, allUpTo: boolean): void {
    try {
      this.channel.ack({ fields: { deliveryTag } }, allUpTo);
    } catch (err) {
      // The channel is closing: the broker requeues whatever was not acked.
      this.onError(err);
    }
  }
}
