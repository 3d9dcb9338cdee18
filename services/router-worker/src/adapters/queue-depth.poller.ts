// Queue depths (the broker's ready counts), polled on one short-lived channel:
// - message_queue_depth{priority}: the seed's gauge, mt.messages.{priority};
// - amqp_queue_messages_ready{queue}: every queue a message waits in on its
//   way (the MT queues, the 10DLC holding queues, mo.messages, the receipt
//   and submit-result queues, dead.letters) and the vendor queues of the
//   routing rules, so an operator sees which hop is backing up and what sits
//   in dead.letters without the broker's management plugin. The broker's
//   own dead-lettering (an expired delivery, a message past its delivery
//   limit) shows here too, where no consumer's counter sees it.
// The customers' deliver.{id} queues are not polled here: there can be
// thousands, and admin-api exports them (customer_deliveries_queued).
// Informational: a failed poll keeps the previous values (debug log only).
import { PRIORITIES, QUEUES } from '@smpp-gateway/contracts';
import { PeriodicTask, type AmqpConnection, type Logger } from '@smpp-gateway/runtime';
import type { RouterMetrics } from '../metrics.js';

/** The topology's fixed queues, in the order they are polled. */
export const POLLED_QUEUES: readonly string[] = [
  ...PRIORITIES.map((p) => QUEUES.mt(p)),
  ...PRIORITIES.map((p) => QUEUES.mtDeferred(p)),
  QUEUES.mo,
  QUEUES.events,
  QUEUES.receipts,
  QUEUES.receiptsDeferred,
  QUEUES.dead,
];

export interface QueueDepthPollerOptions {
  readonly amqp: AmqpConnection;
  readonly metrics: RouterMetrics;
  readonly logger: Logger;
  readonly intervalMs: number;
  /** The vendors routing can choose now; their `vendor.{id}` queues are polled too. */
  readonly vendorIds: () => readonly string[];
}

export class QueueDepthPoller {
  private readonly task: PeriodicTask;

  constructor(private readonly options: QueueDepthPollerOptions) {
    this.task = new PeriodicTask(() => this.poll(), options.intervalMs);
  }

  /** Polls now and every intervalMs. */
  start(): void {
    this.task.start();
    void this.task.run();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  /** One poll now (or the one in progress). Never rejects. */
  run(): Promise<void> {
    return this.task.run();
  }

  private async poll(): Promise<void> {
    const { amqp, metrics } = this.options;
    if (!amqp.isConnected) return;
    const vendorQueues = [...new Set(this.options.vendorIds())].flatMap((id) => [
      QUEUES.vendorPriority(id),
      QUEUES.vendor(id),
    ]);
    let depths: Map<string, number>;
    try {
      depths = await this.read([...POLLED_QUEUES, ...vendorQueues]);
    } catch (err) {
      this.options.logger.debug('queue depth poll failed', { err });
      return;
    }
    // Replaced as a whole so a queue that went away (a vendor no longer in
    // the rules, a queue deleted) drops its series instead of freezing it.
    metrics.queueMessagesReady.reset();
    for (const [queue, count] of depths) {
      metrics.queueMessagesReady.set({ queue }, count);
    }
    for (const priority of PRIORITIES) {
      const count = depths.get(QUEUES.mt(priority));
      if (count !== undefined) metrics.queueDepth.set({ priority: String(priority) }, count);
    }
  }

  /**
   * Ready counts of the queues that exist. A passive check of a queue that
   * does not exist (a vendor whose connector never started) makes the broker
   * close the channel, so the rest go on over a new one.
   */
  private async read(queues: readonly string[]): Promise<Map<string, number>> {
    const depths = new Map<string, number>();
    let rest = queues;
    while (rest.length > 0) {
      const pending = rest;
      rest = await this.options.amqp.withChannel(
        async (channel) => {
          for (const [i, queue] of pending.entries()) {
            try {
              depths.set(queue, (await channel.checkQueue(queue)).messageCount);
            } catch {
              return pending.slice(i + 1);
            }
          }
          return [];
        },
        { expectErrors: true },
      );
    }
    return depths;
  }
}
