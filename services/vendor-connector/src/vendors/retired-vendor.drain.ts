// A vendor taken out of service (deleted, or isActive=false) can still have
// MTs in its lanes, vendor.{id} and vendor.{id}.priority: a backlog it never worked off, or MTs routed to it in
// the moment before the routers reloaded. Nobody would ever send them, and
// their customers would get no receipt. So while a vendor is out of service
// every connector pod consumes its lanes and hands each MT back to the
// router, with the vendor added to its attempts: the router fails it over to
// the next candidate, or fails it `vendors_exhausted` with a receipt.
//
// The handler is the sending one with a submitter that never sends: a
// redelivered MT the vendor accepted before it was retired is reported as
// submitted from its sent marker (no second SMS), as on a live vendor.
import { consume, type Consumer, type Logger } from '@smpp-gateway/runtime';
import { createMtRoutedHandler, type SendVendor } from '../sending/mt-routed.handler.js';
import { NotSentError } from '../sending/submit.dispatcher.js';
import type { VendorRuntimeDeps } from './vendor-runtime.js';

export const RETIRED_REASON = 'vendor removed from service';

export type RetiredVendorDeps = Pick<
  VendorRuntimeDeps,
  'amqp' | 'amqpMetrics' | 'publisher' | 'sent' | 'metrics' | 'logger' | 'prefetchFloor'
>;

export class RetiredVendorDrain {
  private consumers: Consumer[] = [];
  private readonly log: Logger;

  constructor(
    private readonly vendor: SendVendor,
    private readonly deps: RetiredVendorDeps,
  ) {
    this.log = deps.logger.child({ component: 'retired-vendor', vendor_id: vendor.id });
  }

  get id(): string {
    return this.vendor.id;
  }

  get isConsuming(): boolean {
    return this.consumers.length > 0 && this.consumers.every((c) => c.isConsuming);
  }

  /** Consumes the given lanes of the vendor, which must exist (a missing queue would be retried forever). */
  async start(queues: readonly string[]): Promise<void> {
    const m = this.deps.metrics;
    const handler = createMtRoutedHandler({
      vendor: () => this.vendor,
      submitter: {
        submit: () => Promise.reject(new NotSentError(RETIRED_REASON, 'hand-back')),
      },
      sent: this.deps.sent,
      outcomes: this.deps.publisher,
      logger: this.log,
      retries: 0,
      retryDelayMs: 0,
      observer: {
        accepted: () => undefined,
        attemptFailed: () => undefined,
        handedBack: (vendorId) => m.handBacks.inc({ vendor_id: vendorId }),
        converted: () => undefined,
        mappingFailed: () => undefined,
        duplicateSuppressed: (vendorId) => m.duplicatesSuppressed.inc({ vendor_id: vendorId }),
      },
    });
    for (const queue of queues) {
      this.consumers.push(
        await consume(this.deps.amqp, 'MtRouted', queue, handler, {
          logger: this.log,
          metrics: this.deps.amqpMetrics,
          prefetch: this.deps.prefetchFloor,
        }),
      );
    }
    this.log.info('vendor out of service: handing what its queues hold back to the router', {
      queues,
    });
  }

  /** Stop intake; in-flight hand-backs finish. */
  async stopIntake(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.cancel()));
  }

  /** cancel → drain → close. */
  async stop(): Promise<void> {
    const consumers = this.consumers;
    this.consumers = [];
    await Promise.all(consumers.map((c) => c.close()));
  }
}
