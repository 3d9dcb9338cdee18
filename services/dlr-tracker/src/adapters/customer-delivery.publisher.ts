import {
  deliveryQueue,
  type CustomerDelivery,
  type TopologyOptions,
} from '@smpp-gateway/contracts';
import {
  assertTopology,
  PublishError,
  type AmqpConnection,
  type ContractPublisher,
} from '@smpp-gateway/runtime';
import type { DeliveryPort } from '../handlers/ports.js';

/**
 * Publishes to `deliver.{customerId}`, asserting each customer's queue once
 * per process before the first publish (publishes are mandatory: a missing
 * queue would be a `returned` error, never a silent drop).
 */
export class CustomerDeliveryPublisher implements DeliveryPort {
  private readonly asserted = new Map<string, Promise<void>>();

  constructor(
    private readonly amqp: AmqpConnection,
    private readonly publisher: ContractPublisher,
    private readonly topology: TopologyOptions,
  ) {}

  async publishCustomerDelivery(delivery: CustomerDelivery): Promise<void> {
    await this.ensureQueue(delivery.customerId);
    try {
      await this.publisher.publish('CustomerDelivery', delivery);
    } catch (err) {
      // Someone deleted the queue since we asserted it: assert again next time.
      if (err instanceof PublishError && err.kind === 'returned') this.asserted.delete(delivery.customerId);
      throw err;
    }
  }

  private ensureQueue(customerId: string): Promise<void> {
    let done = this.asserted.get(customerId);
    if (!done) {
      const spec = deliveryQueue(customerId, this.topology);
      done = this.amqp.withChannel((channel) => assertTopology(channel, { exchanges: [], queues: [spec] }));
      // A failed assertion is retried by the next message, not cached.
      done.catch(() => this.asserted.delete(customerId));
      this.asserted.set(customerId, done);
    }
    return done;
  }
}
