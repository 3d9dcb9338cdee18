import {
  deliveryQueue,
  type CustomerDelivery,
  type TopologyOptions,
} from '@smpp-gateway/contracts';
import {
  assertTopology,
  CoalescingPublisher,
  PublishError,
  type AmqpConnection,
  type CoalescingOptions,
  type ContractPublisher,
} from '@smpp-gateway/runtime';
import type { DeliveryPort } from '../handlers/ports.js';

/**
 * Publishes to `deliver.{customerId}`, asserting each customer's queue once
 * per process before the first publish (publishes are mandatory: a missing
 * queue would be a `returned` error, never a silent drop).
 *
 * Receipts of one customer travel as batch messages (CoalescingPublisher:
 * those settled in the same event-loop turn, or while the customer's
 * previous batch awaited its confirm, share one frame set, one confirm and
 * one queue entry; the edge's consumer unpacks it): a confirmed publish per
 * receipt made this hop the tracker's largest cost under load. Each caller
 * resolves only with the confirm of the message carrying its receipt, so
 * `pending → sent` still follows the broker's verdict.
 */
export class CustomerDeliveryPublisher implements DeliveryPort {
  private readonly asserted = new Map<string, Promise<void>>();
  private readonly coalescing: CoalescingPublisher<'CustomerDelivery'>;

  constructor(
    private readonly amqp: AmqpConnection,
    publisher: ContractPublisher,
    private readonly topology: TopologyOptions,
    /** The edge's prefetch counts AMQP messages, not receipts: maxBatch bounds what one holds. */
    coalescing: CoalescingOptions = { maxBatch: 1, window: 0 },
  ) {
    this.coalescing = new CoalescingPublisher(publisher, 'CustomerDelivery', coalescing);
  }

  async publishCustomerDelivery(delivery: CustomerDelivery): Promise<void> {
    await this.ensureQueue(delivery.customerId);
    try {
      await this.coalescing.publish(delivery, delivery.customerId);
    } catch (err) {
      // Someone deleted the queue since we asserted it: assert again next time.
      if (err instanceof PublishError && err.kind === 'returned') {
        this.asserted.delete(delivery.customerId);
      }
      throw err;
    }
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
