// customer_deliveries_queued / customer_delivery_consumers: what waits for
// each active customer in its `deliver.{customerId}` queue (receipts and MO)
// and how many edge pods take from it. The queues are the customers' own,
// so router-worker's queue gauges leave them out, and a backlog there is
// what a customer calls "lost receipts": bound as a transmitter only, binds
// failing, an application that stopped answering deliver_sm. Receipts wait
// there until DELIVERY_TTL_MS, then they are dead-lettered.
//
// Polled on a timer rather than read at scrape time: one passive declare
// per customer, a few at a time, is too much for a scrape with thousands of
// customers. A poll that fails keeps the last values (a gap would hide a
// backlog) and is logged at most once a minute; the last complete poll's
// time is exported, so a stale gauge can be told from a quiet one.
import { PeriodicJob, throttled, type Logger } from '@smpp-gateway/runtime';
import { Gauge, type Registry } from 'prom-client';

export interface CustomerDeliveriesPollerOptions {
  /** Active customers' ids. */
  readonly customers: () => Promise<readonly string[]>;
  /** A customer's queue: ready deliveries and consumers; rejects when the broker cannot say. */
  readonly counts: (customerId: string) => Promise<{ queued: number; consumers: number }>;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly intervalMs: number;
  /** Queues asked about at once. Default 8. */
  readonly concurrency?: number;
  readonly now?: () => number;
}

export class CustomerDeliveriesPoller extends PeriodicJob {
  private readonly queued: Gauge<'customer_id'>;
  private readonly consumers: Gauge<'customer_id'>;
  private readonly polledAt: Gauge;
  private readonly warn: (err: unknown) => void;
  private readonly now: () => number;
  /** Customers with a series, so the ones that left can be removed. */
  private readonly exported = new Set<string>();

  constructor(private readonly options: CustomerDeliveriesPollerOptions) {
    super(options.intervalMs);
    const registers = [options.registry];
    this.now = options.now ?? Date.now;
    // Literal names: packages/deploy-check finds the registered series by them.
    this.queued = new Gauge({
      name: 'customer_deliveries_queued',
      help: 'Receipts and MO waiting in each active customer’s deliver.{id} queue (ready messages, polled)',
      labelNames: ['customer_id'],
      registers,
    });
    this.consumers = new Gauge({
      name: 'customer_delivery_consumers',
      help: 'Edge-server consumers of each active customer’s deliver.{id} queue: pods holding a receiver or transceiver bind of it (polled)',
      labelNames: ['customer_id'],
      registers,
    });
    this.polledAt = new Gauge({
      name: 'customer_deliveries_polled_timestamp_seconds',
      help: 'When the customer delivery queues were last polled completely (0 until then)',
      registers,
    });
    const log = options.logger.child({ component: 'metrics' });
    this.warn = throttled(
      60_000,
      (failures, err: unknown) =>
        log.warn('customer delivery queues unreadable, last values kept in /metrics', {
          failures,
          err,
        }),
      options.now,
    );
  }

  /** Polls at once, then on the timer. */
  override start(): void {
    void this.run().catch(() => undefined);
    super.start();
  }

  /** One poll of every active customer's queue. */
  protected override async work(): Promise<void> {
    let ids: readonly string[];
    try {
      ids = await this.options.customers();
    } catch (err) {
      this.warn(err);
      return;
    }
    const results = new Map<string, { queued: number; consumers: number }>();
    let failed = false;
    const concurrency = Math.max(1, this.options.concurrency ?? 8);
    for (let i = 0; i < ids.length && !this.stopping; i += concurrency) {
      const batch = ids.slice(i, i + concurrency);
      const settled = await Promise.allSettled(batch.map((id) => this.options.counts(id)));
      settled.forEach((outcome, j) => {
        const id = batch[j];
        if (id === undefined) return;
        if (outcome.status === 'fulfilled') results.set(id, outcome.value);
        else if (!failed) {
          failed = true;
          this.warn(outcome.reason);
        }
      });
      // A whole batch refused: the broker is unreachable, and each of the
      // rest would wait for its timeout too. The next poll tries again.
      if (settled.every((outcome) => outcome.status === 'rejected')) break;
    }
    // Set synchronously, so no scrape sees half a poll: customers no longer
    // active lose their series; one whose queue could not be read keeps its
    // last value.
    const active = new Set(ids);
    for (const id of this.exported) {
      if (active.has(id)) continue;
      this.queued.remove({ customer_id: id });
      this.consumers.remove({ customer_id: id });
      this.exported.delete(id);
    }
    for (const [id, counts] of results) {
      this.queued.set({ customer_id: id }, counts.queued);
      this.consumers.set({ customer_id: id }, counts.consumers);
      this.exported.add(id);
    }
    if (!failed && !this.stopping) this.polledAt.set(this.now() / 1000);
  }
}
