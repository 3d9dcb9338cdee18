// Coalesces publishes of one contract into batch messages (publishBatch: one
// frame set, one confirm, one queue entry for many contracts) for the
// internal hops. The broker's cost is per AMQP message, not per contract: on
// quorum queues a publish + confirm + deliver + ack costs ~60–80 µs of
// broker CPU whether it carries one contract or twenty.
//
// Two triggers form a batch, and neither is a timer:
// - the event-loop turn: everything published in one turn (a TCP read full
//   of PDUs, a prefetch burst) leaves together at the end of the turn;
// - the confirm window: while `window` batches of a key await their confirm,
//   new messages wait and join the next batch, which leaves as soon as one
//   confirm comes back. At moderate load (one message per turn) this is what
//   batches: without it, 1 000 msg/s meant 1 000 AMQP messages per hop per
//   second, which cost more CPU than the rest of the pipeline. The wait is
//   bounded by one confirm round trip, and a FULL batch never waits, so the
//   window cannot cap throughput under load.
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
}

interface Waiter<N extends ContractName> {
  readonly message: ContractInput<N>;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

interface Group<N extends ContractName> {
  pending: Waiter<N>[];
  inFlight: number;
}

export class CoalescingPublisher<N extends ContractName> {
  private readonly groups = new Map<string, Group<N>>();
  private scheduled = false;

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
        group = { pending: [], inFlight: 0 };
        this.groups.set(key, group);
      }
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
      if (group.pending.length === 0) continue;
      if (this.options.window === 0 || group.inFlight < this.options.window) {
        this.dispatch(key, group);
      }
      // Otherwise the group waits: the next confirm of this key sends it.
    }
  };

  private dispatch(key: string, group: Group<N>): void {
    const batch = group.pending.splice(0, this.options.maxBatch);
    group.inFlight += 1;
    void this.send(batch).finally(() => {
      group.inFlight -= 1;
      if (group.pending.length > 0) {
        // Whatever accumulated while this batch was out leaves now; if other
        // batches of the key still fill the window, the next confirm sends
        // it. With window 0 the turn that queued them has scheduled them.
        if (group.pending.length >= this.options.maxBatch || group.inFlight < this.options.window) {
          this.dispatch(key, group);
        }
      } else if (group.inFlight === 0 && this.groups.get(key) === group) {
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
