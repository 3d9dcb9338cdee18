// How many routed MTs wait for a vendor in the broker, per lane: the number
// an operator wants next to "is it connected" (a vendor that is up but
// throttled, or slower than its traffic, shows here first).
import { QUEUES } from '@smpp-gateway/contracts';
import { readyCount, withTimeout, type AmqpConnection } from '@smpp-gateway/runtime';

export interface VendorQueueDepths {
  /** Ready messages in the vendor's priority and bulk lanes; rejects when the broker cannot say. */
  depths(vendorId: string): Promise<{ priority: number; bulk: number }>;
}

/** Bounded so a slow broker cannot hold up the status answer. */
const TIMEOUT_MS = 2_000;

export class AmqpVendorQueueDepths implements VendorQueueDepths {
  constructor(private readonly connection: AmqpConnection) {}

  async depths(vendorId: string): Promise<{ priority: number; bulk: number }> {
    const [priority, bulk] = await withTimeout(
      Promise.all([
        this.ready(QUEUES.vendorPriority(vendorId)),
        this.ready(QUEUES.vendor(vendorId)),
      ]),
      TIMEOUT_MS,
      'vendor queue depths',
    );
    return { priority, bulk };
  }

  /** A lane that does not exist (no MT was ever routed to it) holds nothing. */
  private async ready(queue: string): Promise<number> {
    return (await readyCount(this.connection, queue)) ?? 0;
  }
}
