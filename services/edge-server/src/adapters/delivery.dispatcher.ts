// Deliveries towards customers. While this pod holds at least one receiver or
// transceiver bind of a customer it consumes that customer's
// `deliver.{customerId}` queue; each message becomes a deliver_sm on one of
// the customer's sessions (round robin over those with a free window slot)
// and is acked only after a deliver_sm_resp with ESME_ROK. An error status,
// a timeout or a session that closes first requeue it after a delay. When the
// last such bind closes the consumer is closed, so messages wait in the
// durable queue for the next bind (here or on another pod).
import {
  deliveryQueue,
  type CustomerDelivery,
  type TopologyOptions,
} from '@smpp-gateway/contracts';
import {
  assertTopology,
  consume,
  RetryableError,
  type AmqpConnection,
  type AmqpMetrics,
  type Consumer,
  type Logger,
} from '@smpp-gateway/runtime';
import { SmppEncodeError, type SmppSession } from '@smpp-gateway/smpp';
import { buildDeliverSm, deliveryLabels } from '../handlers/delivery.builder.js';
import type { EdgeMetrics } from '../metrics.js';

export interface DeliveryDispatcherOptions {
  readonly connection: AmqpConnection;
  readonly topology: TopologyOptions;
  readonly logger: Logger;
  readonly metrics: EdgeMetrics;
  readonly amqpMetrics?: AmqpMetrics;
  /** Unacked deliveries per customer queue (shared by that customer's sessions on this pod). */
  readonly prefetch: number;
  readonly retryDelayMs: number;
  readonly confirmTimeoutMs: number;
  /** Window of each session: a session at it is skipped while another has room. */
  readonly windowSize: number;
}

interface CustomerDeliveries {
  readonly customerId: string;
  readonly sessions: SmppSession[];
  next: number;
  consumer: Consumer | undefined;
  /** Serialises start/stop of this customer's consumer. */
  chain: Promise<void>;
}

export class DeliveryDispatcher {
  private readonly customers = new Map<string, CustomerDeliveries>();
  /** Customers whose queue assertion is registered as a connection setup (kept: one per customer ever bound). */
  private readonly queueSetups = new Set<string>();
  private readonly log: Logger;
  private stopped = false;

  constructor(private readonly options: DeliveryDispatcherOptions) {
    this.log = options.logger.child({ component: 'deliveries' });
  }

  /** A receiver/transceiver session of the customer is bound on this pod. */
  attach(customerId: string, session: SmppSession): void {
    if (this.stopped) return;
    const entry = this.entryOf(customerId);
    entry.sessions.push(session);
    if (entry.sessions.length === 1) this.enqueue(entry, () => this.start(entry));
  }

  detach(customerId: string, session: SmppSession): void {
    const entry = this.customers.get(customerId);
    if (!entry) return;
    const index = entry.sessions.indexOf(session);
    if (index >= 0) entry.sessions.splice(index, 1);
    if (entry.sessions.length === 0) this.enqueue(entry, () => this.stop(entry));
  }

  /** Customers whose queue this pod consumes right now. */
  get consuming(): number {
    let count = 0;
    for (const entry of this.customers.values()) if (entry.consumer) count += 1;
    return count;
  }

  /** Shutdown, stop-intake: no new deliveries from any queue. */
  async cancelAll(): Promise<void> {
    this.stopped = true;
    await Promise.all(
      [...this.customers.values()].map(async (entry) => {
        await entry.chain;
        await entry.consumer?.cancel();
      }),
    );
  }

  /** Shutdown, drain: every in-flight delivery answered (or requeued), then channels closed. */
  async closeAll(): Promise<void> {
    this.stopped = true;
    await Promise.all(
      [...this.customers.values()].map(async (entry) => {
        await entry.chain;
        const consumer = entry.consumer;
        entry.consumer = undefined;
        await consumer?.close();
      }),
    );
    this.options.metrics.deliveryConsumers.set(0);
  }

  private entryOf(customerId: string): CustomerDeliveries {
    let entry = this.customers.get(customerId);
    if (!entry) {
      entry = { customerId, sessions: [], next: 0, consumer: undefined, chain: Promise.resolve() };
      this.customers.set(customerId, entry);
    }
    return entry;
  }

  private enqueue(entry: CustomerDeliveries, step: () => Promise<void>): void {
    entry.chain = entry.chain.then(step).catch((err: unknown) => {
      this.log.error('delivery consumer change failed', { customer_id: entry.customerId, err });
    });
  }

  private async start(entry: CustomerDeliveries): Promise<void> {
    if (entry.consumer || entry.sessions.length === 0 || this.stopped) return;
    const spec = deliveryQueue(entry.customerId, this.options.topology);
    // Asserted on every (re)connection before consumers resubscribe, so a
    // queue deleted behind our back comes back instead of looping on 404.
    if (!this.queueSetups.has(entry.customerId)) {
      await this.options.connection.addSetup(`deliver-queue:${entry.customerId}`, (model) =>
        this.assertQueue(model, spec),
      );
      this.queueSetups.add(entry.customerId);
    }
    const consumer = await consume(
      this.options.connection,
      'CustomerDelivery',
      spec.name,
      (message) => this.deliver(entry, message),
      {
        logger: this.options.logger,
        prefetch: this.options.prefetch,
        retryDelayMs: this.options.retryDelayMs,
        confirmTimeoutMs: this.options.confirmTimeoutMs,
        ...(this.options.amqpMetrics ? { metrics: this.options.amqpMetrics } : {}),
      },
    );
    entry.consumer = consumer;
    this.options.metrics.deliveryConsumers.set(this.consuming);
    this.log.info('consuming deliveries', { customer_id: entry.customerId, queue: spec.name });
    // The last bind may have closed while we were subscribing.
    if (entry.sessions.length === 0 || this.stopped) await this.stop(entry);
  }

  private async assertQueue(
    model: Parameters<Parameters<AmqpConnection['addSetup']>[1]>[0],
    spec: ReturnType<typeof deliveryQueue>,
  ): Promise<void> {
    const channel = await model.createChannel();
    channel.on('error', () => undefined);
    try {
      await assertTopology(channel, { exchanges: [], queues: [spec] });
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  private async stop(entry: CustomerDeliveries): Promise<void> {
    if (entry.sessions.length > 0) return;
    const consumer = entry.consumer;
    entry.consumer = undefined;
    if (consumer) {
      await consumer.close();
      this.log.info('stopped consuming deliveries', { customer_id: entry.customerId });
    }
    this.options.metrics.deliveryConsumers.set(this.consuming);
    if (
      entry.sessions.length === 0 &&
      !entry.consumer &&
      this.customers.get(entry.customerId) === entry
    ) {
      this.customers.delete(entry.customerId);
    }
  }

  /** Round robin, preferring sessions with a free window slot. */
  private pick(entry: CustomerDeliveries): SmppSession | undefined {
    const live = entry.sessions.filter((s) => s.state === 'bound');
    if (live.length === 0) return undefined;
    for (let i = 0; i < live.length; i++) {
      const candidate = live[(entry.next + i) % live.length];
      if (candidate && candidate.inFlight < this.options.windowSize && candidate.queued === 0) {
        entry.next = (entry.next + i + 1) % live.length;
        return candidate;
      }
    }
    let best = live[0];
    for (const s of live) if (best && s.inFlight + s.queued < best.inFlight + best.queued) best = s;
    return best;
  }

  private async deliver(entry: CustomerDeliveries, message: CustomerDelivery): Promise<void> {
    const { kind, vendorId } = deliveryLabels(message);
    const metrics = this.options.metrics;
    const count = (outcome: string) => {
      metrics.deliveries.inc({ vendor_id: vendorId, kind, outcome });
      metrics.customerDeliveries.inc({ customer_id: entry.customerId, outcome });
    };
    if (message.customerId !== entry.customerId) {
      count('wrong_customer');
      throw new Error(
        `delivery for customer ${message.customerId} arrived on ${entry.customerId}'s queue`,
      );
    }
    const session = this.pick(entry);
    if (!session) {
      count('no_session');
      throw new RetryableError('no bound receiver for this customer on this pod');
    }
    // A malformed contract value (address too long, ...) throws here: poison, dead-lettered.
    const pdu = buildDeliverSm(message);
    const started = performance.now();
    let status: number;
    try {
      status = (await session.request(pdu)).commandStatus;
    } catch (error) {
      if (error instanceof SmppEncodeError) {
        count('invalid');
        throw error;
      }
      count('failed');
      throw new RetryableError(
        `deliver_sm not answered: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    metrics.deliveryLatency.observe({ kind }, (performance.now() - started) / 1000);
    if (status !== 0) {
      count('refused');
      throw new RetryableError(`customer answered deliver_sm with status 0x${status.toString(16)}`);
    }
    count('delivered');
    if (this.log.isLevelEnabled('debug')) {
      this.log.debug('deliver_sm acknowledged', {
        customer_id: entry.customerId,
        message_id: message.messageId,
        kind,
      });
    }
  }
}
