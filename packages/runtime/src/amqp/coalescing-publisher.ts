// Coalesces publishes of one contract into batch messages (publishBatch: one
// frame set, one confirm, one queue entry for many contracts) for the
// internal hops. The broker's cost is per AMQP message, not per contract,
// and far from fixed: on this class of machine a quorum-queue message costs
// ~125 µs of broker CPU at 5 000 messages/s but ~450–600 µs at a few hundred
// per second (every one its own Raft/WAL round and scheduler wake-ups), and
// each one also wakes the consumer. So at moderate rates the number of AMQP
// messages, not of SMS, sets the CPU bill (docs/performance.md).
//
// Three triggers form a batch:
// - the event-loop turn: everything published in one turn (a TCP read full
//   of PDUs, a prefetch burst) leaves together at the end of the turn;
// - the confirm window: while `window` batches of a key await their confirm,
//   new messages wait and join the next batch, which leaves as soon as one
//   confirm comes back (bounded by one confirm round trip);
// - lingering (`lingerMs`, off unless configured): while messages keep
//   coming, batches of a key leave at most every `lingerMs`, so a steady
//   1 000 msg/s becomes a few dozen AMQP messages per second per hop
//   instead of hundreds, and the bursts stay together through the
//   following hops (each stage handles a burst per wake-up). A key quiet
//   for `lingerMs` sends at once and a lull of `lingerGapMs` ends the wait,
//   so low rates and one-at-a-time submitters pay (almost) nothing.
// A FULL batch never waits, so none of this caps throughput under load.
//
// Every caller's promise settles with the confirm of the AMQP message that
// carries its contract, so whatever the caller acks or answers afterwards
// (a queue message, a submit_sm_resp, a deliver_sm_resp) still follows the
// broker's verdict.
import type { ContractInput, ContractName } from '@smpp-gateway/contracts';
import { ContractValidationError } from './errors.js';
import type { ContractPublisher } from './publisher.js';

export interface CoalescingOptions {
  /** Most contracts in one AMQP message (the consumer's prefetch counts messages, so this bounds its memory). */
  readonly maxBatch: number;
  /**
   * Batches per key awaiting their confirm before new messages are held for
   * the next batch. 0 = no window: every turn's messages leave at the end of
   * the turn (lowest latency, most broker work at moderate load).
   */
  readonly window: number;
  /**
   * Least time between two batches of a key while messages keep coming, in
   * ms (0 = no lingering: the window alone forms batches). A batch that is
   * not full leaves at the earlier of: `lingerMs` after the key's previous
   * batch, or `lingerGapMs` after its newest message (nothing more is
   * coming). So a key that was quiet for `lingerMs` sends at once (no cost
   * at low rates), a lone submitter pays at most the gap, and a steady
   * stream leaves in batches `lingerMs` apart. No message waits longer than
   * `lingerMs`.
   */
  readonly lingerMs?: number;
  /** Quiet time that ends lingering early, in ms (default 2). Only with `lingerMs`. */
  readonly lingerGapMs?: number;
}

/** The shared AMQP variables' coalescing settings, with the hop's own batch size. */
export function coalescingFrom(
  config: {
    readonly AMQP_PUBLISH_WINDOW: number;
    readonly AMQP_PUBLISH_LINGER_MS: number;
    readonly AMQP_PUBLISH_LINGER_GAP_MS: number;
  },
  maxBatch: number,
): CoalescingOptions {
  return {
    maxBatch,
    window: config.AMQP_PUBLISH_WINDOW,
    lingerMs: config.AMQP_PUBLISH_LINGER_MS,
    lingerGapMs: config.AMQP_PUBLISH_LINGER_GAP_MS,
  };
}

interface Waiter<N extends ContractName> {
  readonly message: ContractInput<N>;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

interface Group<N extends ContractName> {
  pending: Waiter<N>[];
  inFlight: number;
  /** performance.now() of the key's last dispatch. */
  sentAt: number;
  /** performance.now() when the newest pending message arrived. */
  lastAt: number;
  /** Set while a linger timer will look at this group again. */
  timer: NodeJS.Timeout | undefined;
}

export class CoalescingPublisher<N extends ContractName> {
  private readonly groups = new Map<string, Group<N>>();
  private scheduled = false;
  private readonly lingerMs: number;
  private readonly lingerGapMs: number;

  constructor(
    private readonly publisher: Pick<ContractPublisher, 'publishBatch'>,
    private readonly name: N,
    private readonly options: CoalescingOptions,
  ) {
    if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) {
      throw new RangeError(`maxBatch must be a positive integer, got ${options.maxBatch}`);
    }
    if (!Number.isInteger(options.window) || options.window < 0) {
      throw new RangeError(`window must be a non-negative integer, got ${options.window}`);
    }
    this.lingerMs = options.lingerMs ?? 0;
    this.lingerGapMs = options.lingerGapMs ?? 2;
    for (const [field, value] of [
      ['lingerMs', this.lingerMs],
      ['lingerGapMs', this.lingerGapMs],
    ] as const) {
      if (!Number.isFinite(value) || value < 0) {
        throw new RangeError(`${field} must be a non-negative number, got ${value}`);
      }
    }
  }

  /**
   * Resolves when the broker confirmed the batch holding `message`. `key`
   * groups messages that may share a batch: it must follow the catalog's
   * routing key for the contract (a batch travels to one routing key), e.g.
   * the priority of an MtSubmitted or the customer of a CustomerDelivery.
   */
  publish(message: ContractInput<N>, key = ''): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let group = this.groups.get(key);
      if (!group) {
        group = { pending: [], inFlight: 0, sentAt: -Infinity, lastAt: 0, timer: undefined };
        this.groups.set(key, group);
      }
      if (this.lingerMs > 0) group.lastAt = performance.now();
      group.pending.push({ message, resolve, reject });
      if (group.pending.length >= this.options.maxBatch) {
        this.dispatch(key, group);
      } else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.endOfTurn);
      }
    });
  }

  /** Messages waiting for a batch, over all keys (for tests and gauges). */
  get waiting(): number {
    let n = 0;
    for (const group of this.groups.values()) n += group.pending.length;
    return n;
  }

  private readonly endOfTurn = (): void => {
    this.scheduled = false;
    for (const [key, group] of this.groups) {
      if (group.pending.length === 0) {
        if (this.isIdle(group)) this.groups.delete(key);
        continue;
      }
      if (this.options.window === 0 || group.inFlight < this.options.window) {
        this.dispatchWhenDue(key, group);
      }
      // Otherwise the group waits: the next confirm of this key sends it.
    }
  };

  /** Nothing waiting or in flight, and quiet long enough that a new message would leave at once. */
  private isIdle(group: Group<N>): boolean {
    return (
      group.pending.length === 0 &&
      group.inFlight === 0 &&
      !group.timer &&
      performance.now() - group.sentAt >= this.lingerMs
    );
  }

  /** Dispatches now, or arms a timer for when the pending batch is due (see `lingerMs`). */
  private dispatchWhenDue(key: string, group: Group<N>): void {
    if (this.lingerMs === 0) {
      this.dispatch(key, group);
      return;
    }
    if (group.timer) return;
    const due = Math.min(group.sentAt + this.lingerMs, group.lastAt + this.lingerGapMs);
    const wait = due - performance.now();
    if (wait < 0.5) {
      this.dispatch(key, group);
      return;
    }
    group.timer = setTimeout(() => {
      group.timer = undefined;
      if (group.pending.length === 0) return;
      // Room in the window: due now or re-armed for the new due time.
      // Otherwise the next confirm of this key sends it.
      if (this.options.window === 0 || group.inFlight < this.options.window) {
        this.dispatchWhenDue(key, group);
      }
    }, Math.ceil(wait));
  }

  private dispatch(key: string, group: Group<N>): void {
    if (group.timer) {
      clearTimeout(group.timer);
      group.timer = undefined;
    }
    const batch = group.pending.splice(0, this.options.maxBatch);
    group.inFlight += 1;
    if (this.lingerMs > 0) group.sentAt = performance.now();
    void this.send(batch).finally(() => {
      group.inFlight -= 1;
      if (group.pending.length > 0) {
        // Whatever accumulated while this batch was out leaves now; if other
        // batches of the key still fill the window, the next confirm sends
        // it. With window 0 the turn that queued them has scheduled them.
        if (group.pending.length >= this.options.maxBatch) {
          this.dispatch(key, group);
        } else if (group.inFlight < this.options.window) {
          this.dispatchWhenDue(key, group);
        }
      } else if (this.isIdle(group) && this.groups.get(key) === group) {
        // Keys can be customers or vendors: drop idle groups so they do not pile up.
        this.groups.delete(key);
      }
    });
  }

  private async send(batch: readonly Waiter<N>[]): Promise<void> {
    try {
      await this.publisher.publishBatch(
        this.name,
        batch.map((w) => w.message),
      );
    } catch (err) {
      if (err instanceof ContractValidationError && batch.length > 1) {
        // Validation is per batch: publish singly so only the offending
        // message fails and its neighbours go through.
        await Promise.all(batch.map((w) => this.send([w])));
        return;
      }
      for (const w of batch) w.reject(err);
      return;
    }
    for (const w of batch) w.resolve();
  }
}
