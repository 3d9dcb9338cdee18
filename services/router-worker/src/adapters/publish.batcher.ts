// Coalesces publishes of one contract to one routing key into batch messages
// (one frame set and one confirm for many): a quorum-queue confirm costs
// about as much for 50 messages as for one. Messages handled in the same
// event-loop turn — a burst of deliveries under prefetch — share a batch, so
// no latency is added when traffic is light. Each caller's promise settles
// with its batch's confirm, so acks still follow the broker's verdict.
import { catalog, type ContractInput, type ContractName } from '@smpp-gateway/contracts';
import {
  ContractValidationError,
  describeIssues,
  type ContractPublisher,
} from '@smpp-gateway/runtime';

interface Pending<N extends ContractName> {
  readonly items: ContractInput<N>[];
  readonly waiters: { resolve: () => void; reject: (err: unknown) => void }[];
}

export class PublishBatcher<N extends ContractName> {
  private readonly pending = new Map<string, Pending<N>>();
  private scheduled = false;

  constructor(
    private readonly publisher: ContractPublisher,
    private readonly name: N,
    private readonly maxBatch: number,
  ) {}

  /**
   * Resolves when the broker confirmed the batch holding `message`. The
   * message is validated here, alone: one bad message must not sink the
   * batch it would have joined.
   */
  publish(routingKey: string, message: ContractInput<N>): Promise<void> {
    const parsed = catalog[this.name].schema.safeParse(message);
    if (!parsed.success) {
      return Promise.reject(new ContractValidationError(this.name, describeIssues(parsed.error)));
    }
    return new Promise<void>((resolve, reject) => {
      let group = this.pending.get(routingKey);
      if (!group) {
        group = { items: [], waiters: [] };
        this.pending.set(routingKey, group);
      }
      group.items.push(message);
      group.waiters.push({ resolve, reject });
      if (group.items.length >= this.maxBatch) {
        this.pending.delete(routingKey);
        void this.flush(group);
      } else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flushAll());
      }
    });
  }

  private flushAll(): void {
    this.scheduled = false;
    const groups = [...this.pending.values()];
    this.pending.clear();
    for (const group of groups) void this.flush(group);
  }

  private async flush(group: Pending<N>): Promise<void> {
    try {
      await this.publisher.publishBatch(this.name, group.items);
    } catch (err) {
      for (const waiter of group.waiters) waiter.reject(err);
      return;
    }
    for (const waiter of group.waiters) waiter.resolve();
  }
}
