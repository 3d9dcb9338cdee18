// The dead-letter queue seen by operators: what is parked there and why, and
// a replay that sends parked messages back to the queue whose consumer gave
// up on them (after the bug or the bad data that made them poison is fixed).
//
// AMQP 0-9-1 has no "browse": a peek takes messages with basic.get and puts
// them back with a requeueing nack (dead.letters has no consumer and no
// delivery limit, so nothing else sees them meanwhile and nothing counts
// the returns). A replay publishes each message to its original queue
// through the default exchange, mandatory and confirmed, and only then
// acks it: a crash in between leaves a copy in both queues (at least once,
// as everywhere else), never in neither. Messages the replay does not take
// (another original queue asked for, their queue gone) go to the back of
// dead.letters, unchanged, so a filtered replay does not spin on them.
import { EXCHANGES, QUEUES } from '@smpp-gateway/contracts';
import {
  ConfirmTracker,
  DEAD_LETTER_HEADER_NAMES,
  deadLetterOrigin,
  headerText,
  HEADERS,
  replaysOf,
  PublishError,
  type AmqpConnection,
  type Logger,
} from '@smpp-gateway/runtime';
import type { GetMessage, Options } from 'amqplib';
import { Counter, type Registry } from 'prom-client';

/** What the API shows of one dead letter: where it came from and why, never its body. */
export interface DeadLetterView {
  readonly originalQueue: string | null;
  readonly contract: string | null;
  readonly messageId: string | null;
  readonly reason: string | null;
  readonly deadLetteredAt: string | null;
  /** Position in the batch it was taken from, when it was one item of a batch. */
  readonly batchIndex: number | null;
  /** Times it was replayed before and came back. */
  readonly replays: number;
  readonly bytes: number;
}

export interface DeadLetterPeek {
  readonly queue: string;
  /** Messages in the queue when the peek began. */
  readonly messages: number;
  readonly peeked: readonly DeadLetterView[];
}

export interface ReplayRequest {
  /** Most dead letters to look at, oldest first (never more than the queue held when the replay began). */
  readonly limit: number;
  /** Replay only those that came from this queue; the others stay. */
  readonly originalQueue?: string | undefined;
}

export interface ReplayResult {
  readonly examined: number;
  readonly replayed: number;
  /** Examined but left in dead.letters: another queue was asked for. */
  readonly skipped: number;
  /** Examined but left in dead.letters: no original queue recorded, or it no longer exists. */
  readonly unroutable: number;
  /** Messages in dead.letters afterwards. */
  readonly remaining: number;
  /** Replayed messages by the queue they went back to. */
  readonly byQueue: Readonly<Record<string, number>>;
}

/** The parts of the queue the routes use (a test can stand in for it). */
export interface DeadLetterPort {
  peek(limit: number): Promise<DeadLetterPeek>;
  replay(request: ReplayRequest): Promise<ReplayResult>;
}

/**
 * The metric label of a queue: per-customer and per-vendor queues by their
 * family, so the label stays bounded whatever the number of customers.
 */
export function queueLabel(queue: string): string {
  for (const family of ['deliver.', 'vendor.']) {
    if (queue.startsWith(family)) return `${family}*`;
  }
  return queue;
}

function headersOf(message: GetMessage): Record<string, unknown> {
  return message.properties.headers ?? {};
}

export function viewOf(message: GetMessage): DeadLetterView {
  const headers = headersOf(message);
  const batchIndex = headers[HEADERS.batchIndex];
  const origin = deadLetterOrigin(headers);
  return {
    originalQueue: origin.queue,
    contract: headerText(headers[HEADERS.contract]),
    messageId: headerText(message.properties.messageId),
    reason: origin.reason,
    deadLetteredAt: origin.at,
    batchIndex: typeof batchIndex === 'number' ? batchIndex : null,
    replays: replaysOf(headers),
    bytes: message.content.length,
  };
}

/** The properties a message is published again with (AMQP keeps them; amqplib wants them as options). */
function publishOptions(message: GetMessage, headers: Record<string, unknown>): Options.Publish {
  const p = message.properties;
  return {
    persistent: true,
    headers,
    ...(p.contentType ? { contentType: String(p.contentType) } : {}),
    ...(p.messageId ? { messageId: String(p.messageId) } : {}),
    ...(p.timestamp ? { timestamp: Number(p.timestamp) } : {}),
    ...(p.appId ? { appId: String(p.appId) } : {}),
    ...(p.type ? { type: String(p.type) } : {}),
  };
}

export class AmqpDeadLetterQueue implements DeadLetterPort {
  private readonly replayed: Counter<'queue'>;
  private readonly log: Logger;

  constructor(
    private readonly options: {
      readonly connection: AmqpConnection;
      readonly confirmTimeoutMs: number;
      readonly logger: Logger;
      readonly registry: Registry;
      readonly queue?: string;
    },
  ) {
    this.log = options.logger.child({ component: 'dead-letters' });
    this.replayed = new Counter({
      name: 'admin_dead_letters_replayed_total',
      help: 'Dead letters an operator replayed to their original queue, by that queue (deliver.* and vendor.* as families)',
      labelNames: ['queue'],
      registers: [options.registry],
    });
  }

  private get queue(): string {
    return this.options.queue ?? QUEUES.dead;
  }

  async peek(limit: number): Promise<DeadLetterPeek> {
    return this.options.connection.withChannel(async (channel) => {
      // Counted first: messages taken and not yet back are not in the count.
      const { messageCount } = await channel.checkQueue(this.queue);
      const taken: GetMessage[] = [];
      try {
        for (let i = 0; i < limit; i += 1) {
          const message = await channel.get(this.queue, { noAck: false });
          if (message === false) break;
          taken.push(message);
        }
      } finally {
        // Back in the order they were taken; the channel's close would
        // requeue them too, this makes it explicit and immediate.
        if (taken.length > 0) channel.nackAll(true);
      }
      return { queue: this.queue, messages: messageCount, peeked: taken.map(viewOf) };
    });
  }

  async replay(request: ReplayRequest): Promise<ReplayResult> {
    return this.options.connection.withConfirmChannel(async (channel) => {
      const tracker = new ConfirmTracker(channel, this.options.confirmTimeoutMs);
      const byQueue: Record<string, number> = {};
      let examined = 0;
      let replayed = 0;
      let skipped = 0;
      let unroutable = 0;
      // Back to the end of dead.letters as it was, with its origin in our
      // own headers when only the broker's x-death held it (a broker may
      // not keep an x-death a client publishes).
      const park = async (message: GetMessage) => {
        const headers = headersOf(message);
        const origin = deadLetterOrigin(headers);
        await tracker.publish(
          EXCHANGES.dead,
          message.fields.routingKey,
          message.content,
          publishOptions(message, {
            ...headers,
            ...(origin.queue !== null ? { [HEADERS.originalQueue]: origin.queue } : {}),
            ...(origin.reason !== null ? { [HEADERS.deadReason]: origin.reason } : {}),
            ...(origin.at !== null ? { [HEADERS.deadLetteredAt]: origin.at } : {}),
          }),
        );
        channel.ack(message);
      };
      // Only what is there now: messages parked at the back during this
      // replay (and dead letters arriving meanwhile) come after them.
      const { messageCount: depth } = await channel.checkQueue(this.queue);
      const budget = Math.min(request.limit, depth);
      while (examined < budget) {
        const message = await channel.get(this.queue, { noAck: false });
        if (message === false) break;
        examined += 1;
        try {
          const headers = headersOf(message);
          const target = deadLetterOrigin(headers).queue;
          if (request.originalQueue !== undefined && target !== request.originalQueue) {
            await park(message);
            skipped += 1;
            continue;
          }
          if (!target) {
            await park(message);
            unroutable += 1;
            continue;
          }
          const replayHeaders: Record<string, unknown> = { ...headers };
          for (const name of DEAD_LETTER_HEADER_NAMES) delete replayHeaders[name];
          replayHeaders[HEADERS.replays] = replaysOf(headers) + 1;
          try {
            // The default exchange routes by queue name: straight back to the
            // queue whose consumer dead-lettered it, whatever bound it there.
            await tracker.publish(
              '',
              target,
              message.content,
              publishOptions(message, replayHeaders),
            );
          } catch (err) {
            if (!(err instanceof PublishError && err.kind === 'returned')) throw err;
            // Mandatory and returned: the queue is gone (a customer deleted, a vendor removed).
            this.log.warn('dead letter not replayed: its queue no longer exists', {
              queue: target,
              message_id: headerText(message.properties.messageId) ?? undefined,
            });
            await park(message);
            unroutable += 1;
            continue;
          }
          channel.ack(message);
          replayed += 1;
          byQueue[target] = (byQueue[target] ?? 0) + 1;
          this.replayed.inc({ queue: queueLabel(target) });
        } catch (err) {
          // Not confirmed anywhere: it stays where it was (a closed channel
          // cannot nack, but then the broker requeues it by itself).
          try {
            channel.nack(message, false, true);
          } catch {
            // channel already closed
          }
          throw err;
        }
      }
      const { messageCount } = await channel.checkQueue(this.queue);
      if (replayed > 0) this.log.info('dead letters replayed', { replayed, by_queue: byQueue });
      return { examined, replayed, skipped, unroutable, remaining: messageCount, byQueue };
    });
  }
}
