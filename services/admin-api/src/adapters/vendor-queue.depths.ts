// How many routed MTs wait for a vendor in the broker, per lane: the number
// an operator wants next to "is it connected" (a vendor that is up but
// throttled, or slower than its traffic, shows here first).
import { QUEUES } from '@smpp-gateway/contracts';
import { withTimeout, type AmqpConnection } from '@smpp-gateway/runtime';

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

  /**
   * A passive check; a lane that does not exist (no MT was ever routed to
   * it) holds nothing. Each check gets its own channel, since the broker
   * closes the channel of a check that fails.
   */
  private async ready(queue: string): Promise<number> {
    try {
      return await this.connection.withChannel(
        async (channel) => (await channel.checkQueue(queue)).messageCount,
        { expectErrors: true },
      );
    } catch (err) {
      if (isNotFound(err)) return 0;
      throw err;
    }
  }
}

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 404;
}
