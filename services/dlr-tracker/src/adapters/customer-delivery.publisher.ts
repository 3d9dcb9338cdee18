import {
  deliveryQueue,
  type CustomerDelivery,
  type TopologyOptions,
} from '@smpp-gateway/contracts';
import {
  assertTopology,
  ContractValidationError,
  PublishError,
  type AmqpConnection,
  type ContractPublisher,
} from '@smpp-gateway/runtime';
import type { DeliveryPort } from '../handlers/ports.js';

interface Waiter {
  readonly delivery: CustomerDelivery;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Publishes to `deliver.{customerId}`, asserting each customer's queue once
 * per process before the first publish (publishes are mandatory: a missing
 * queue would be a `returned` error, never a silent drop).
 *
 * Receipts of one customer settled in the same event-loop turn travel as one
 * batched AMQP message (one frame set, one confirm; the edge's consumer
 * unpacks it): a confirmed publish per receipt made this hop the tracker's
 * largest cost under load. A turn holds one receipt at low load, so nothing
 * waits. Each caller resolves only with the confirm of the message carrying
 * its receipt, so `pending → sent` still follows the broker's verdict.
 */
export class CustomerDeliveryPublisher implements DeliveryPort {
  private readonly asserted = new Map<string, Promise<void>>();
  private readonly pending = new Map<string, Waiter[]>();
  private scheduled = false;

  constructor(
    private readonly amqp: AmqpConnection,
    private readonly publisher: ContractPublisher,
    private readonly topology: TopologyOptions,
    /** Largest batch (the edge's prefetch counts AMQP messages, not receipts). */
    private readonly maxBatch = 1,
  ) {}

  async publishCustomerDelivery(delivery: CustomerDelivery): Promise<void> {
    await this.ensureQueue(delivery.customerId);
    await new Promise<void>((resolve, reject) => {
      const customerId = delivery.customerId;
      let group = this.pending.get(customerId);
      if (!group) {
        group = [];
        this.pending.set(customerId, group);
      }
      group.push({ delivery, resolve, reject });
      if (group.length >= this.maxBatch) {
        this.pending.delete(customerId);
        void this.send(group);
      } else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const groups = [...this.pending.values()];
    this.pending.clear();
    for (const group of groups) void this.send(group);
  };

  private async send(group: readonly Waiter[]): Promise<void> {
    try {
      await this.publisher.publishBatch(
        'CustomerDelivery',
        group.map((w) => w.delivery),
      );
    } catch (err) {
      if (err instanceof ContractValidationError && group.length > 1) {
        // One invalid delivery must not fail its neighbours.
        await Promise.all(group.map((w) => this.send([w])));
        return;
      }
      // Someone deleted the queue since we asserted it: assert again next time.
      if (err instanceof PublishError && err.kind === 'returned') {
        const first = group[0];
        if (first) this.asserted.delete(first.delivery.customerId);
      }
      for (const w of group) w.reject(err);
      return;
    }
    for (const w of group) w.resolve();
  }

  private ensureQueue(customerId: string): Promise<void> {
    let done = this.asserted.get(customerId);
    if (!done) {
      const spec = deliveryQueue(customerId, this.topology);
      done = this.amqp.withChannel((channel) =>
        assertTopology(channel, { exchanges: [], queues: [spec] }),
      );
      // A failed assertion is retried by the next message, not cached.
      done.catch(() => this.asserted.delete(customerId));
      this.asserted.set(customerId, done);
    }
    return done;
  }
}
