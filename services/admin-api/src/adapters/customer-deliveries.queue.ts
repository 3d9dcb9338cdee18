// What waits for a customer in the broker (receipts, MO) and whether any edge
// pod takes it: an edge pod consumes `deliver.{customerId}` only while it
// holds a receiver or transceiver bind of the customer, so a customer bound
// as a transmitter alone shows binds but no consumer here.
import { QUEUES } from '@smpp-gateway/contracts';
import { queueCounts, withTimeout, type AmqpConnection } from '@smpp-gateway/runtime';

export interface CustomerDeliveries {
  /** Ready deliveries and consumers of the customer's queue; rejects when the broker cannot say. */
  counts(customerId: string): Promise<{ queued: number; consumers: number }>;
}

/** Bounded so a slow broker cannot hold up the status answer. */
const TIMEOUT_MS = 2_000;

export class AmqpCustomerDeliveries implements CustomerDeliveries {
  constructor(private readonly connection: AmqpConnection) {}

  async counts(customerId: string): Promise<{ queued: number; consumers: number }> {
    const counts = await withTimeout(
      queueCounts(this.connection, QUEUES.delivery(customerId)),
      TIMEOUT_MS,
      'customer delivery queue',
    );
    // The queue is declared with the customer's first receipt or MO (or its
    // first receiving bind): without it nothing has ever waited there.
    return { queued: counts?.ready ?? 0, consumers: counts?.consumers ?? 0 };
  }
}
