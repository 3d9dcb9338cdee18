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
// as everywhere else), never in neither. A discard acks a matching message
// without publishing it anywhere: deliberate data loss, so each one is
// logged at warn (origin, contract, id, reason, who asked; never the body).
// Messages a replay or a discard does not take (another original queue or
// message id asked for, their queue gone) go to the back of dead.letters,
// unchanged, so a filtered pass does not spin on them. Replay and discard
// are one loop (`sweep`) with a different action for the matching ones.
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
  type DeadLetterOrigin,
  type Logger,
} from '@smpp-gateway/runtime';
import type { ConfirmChannel, GetMessage, Options } from 'amqplib';
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

/** Which dead letters a replay or a discard acts on; the others are parked at the back, unchanged. */
export interface DeadLetterSelection {
  /** Most dead letters to look at, oldest first (never more than the queue held when the pass began). */
  readonly limit: number;
  /** Only those that came from this queue. */
  readonly originalQueue?: string | undefined;
  /** Only the one(s) whose AMQP message id is this (with `originalQueue`: both must hold). */
  readonly messageId?: string | undefined;
}

export type ReplayRequest = DeadLetterSelection;

export interface DiscardRequest extends DeadLetterSelection {
  /** Who asked, for the log line of each discarded message (the audit line names them too). */
  readonly actor?: string | undefined;
  readonly requestId?: string | undefined;
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

/** The `byQueue` key (and metric label) of a discarded dead letter with no original queue recorded. */
export const UNKNOWN_QUEUE = '(unknown)';

export interface DiscardResult {
  readonly examined: number;
  /** Acked without being published anywhere: gone for good. */
  readonly discarded: number;
  /** Examined but left in dead.letters: another queue or message id was asked for. */
  readonly skipped: number;
  /** Messages in dead.letters afterwards. */
  readonly remaining: number;
  /** Discarded messages by their original queue (`(unknown)` when none was recorded). */
  readonly byQueue: Readonly<Record<string, number>>;
}

/** The parts of the queue the routes use (a test can stand in for it). */
export interface DeadLetterPort {
  peek(limit: number): Promise<DeadLetterPeek>;
  replay(request: ReplayRequest): Promise<ReplayResult>;
  discard(request: DiscardRequest): Promise<DiscardResult>;
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

/** Whether a dead letter is one the request asked for (every filter given must hold). */
function selected(
  selection: DeadLetterSelection,
  message: GetMessage,
  origin: DeadLetterOrigin,
): boolean {
  if (selection.originalQueue !== undefined && origin.queue !== selection.originalQueue) {
    return false;
  }
  if (
    selection.messageId !== undefined &&
    headerText(message.properties.messageId) !== selection.messageId
  ) {
    return false;
  }
  return true;
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

/** What a pass hands the action of a replay or a discard. */
interface SweepStep {
  readonly channel: ConfirmChannel;
  readonly tracker: ConfirmTracker;
  /** To the back of dead.letters, unchanged (then acked). */
  readonly park: (message: GetMessage) => Promise<void>;
}

export class AmqpDeadLetterQueue implements DeadLetterPort {
  private readonly replayed: Counter<'queue'>;
  private readonly discarded: Counter<'queue'>;
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
    this.discarded = new Counter({
      name: 'admin_dead_letters_discarded_total',
      help: `Dead letters an operator discarded (acked, published nowhere), by their original queue (deliver.* and vendor.* as families, ${UNKNOWN_QUEUE} when none was recorded)`,
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
    const byQueue: Record<string, number> = {};
    let replayed = 0;
    let unroutable = 0;
    const { examined, skipped, remaining } = await this.sweep(
      request,
      async (message, origin, { channel, tracker, park }) => {
        const target = origin.queue;
        if (!target) {
          await park(message);
          unroutable += 1;
          return;
        }
        const headers = headersOf(message);
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
          return;
        }
        channel.ack(message);
        replayed += 1;
        byQueue[target] = (byQueue[target] ?? 0) + 1;
        this.replayed.inc({ queue: queueLabel(target) });
      },
    );
    if (replayed > 0) this.log.info('dead letters replayed', { replayed, by_queue: byQueue });
    return { examined, replayed, skipped, unroutable, remaining, byQueue };
  }

  async discard(request: DiscardRequest): Promise<DiscardResult> {
    const byQueue: Record<string, number> = {};
    let discarded = 0;
    const { examined, skipped, remaining } = await this.sweep(
      request,
      (message, origin, { channel }) => {
        const queue = origin.queue ?? UNKNOWN_QUEUE;
        channel.ack(message);
        discarded += 1;
        byQueue[queue] = (byQueue[queue] ?? 0) + 1;
        this.discarded.inc({ queue: queueLabel(queue) });
        // Logged as the ack leaves: a trace of every message that may be
        // gone, even if the pass fails afterwards (never the body).
        this.log.warn('dead letter discarded', {
          original_queue: origin.queue,
          contract: headerText(headersOf(message)[HEADERS.contract]),
          message_id: headerText(message.properties.messageId) ?? undefined,
          reason: origin.reason,
          dead_lettered_at: origin.at,
          replays: replaysOf(headersOf(message)),
          actor: request.actor,
          request_id: request.requestId,
        });
        return Promise.resolve();
      },
    );
    if (discarded > 0) {
      this.log.warn('dead letters discarded', {
        discarded,
        examined,
        skipped,
        remaining,
        by_queue: byQueue,
        original_queue: request.originalQueue,
        message_id: request.messageId,
        actor: request.actor,
        request_id: request.requestId,
      });
    }
    return { examined, discarded, skipped, remaining, byQueue };
  }

  /**
   * One pass over the oldest dead letters: each one the selection asks for
   * goes to `act` (which acks it, or parks it), every other one is parked
   * at the back. Whatever throws leaves the message in hand where it was.
   */
  private async sweep(
    selection: DeadLetterSelection,
    act: (message: GetMessage, origin: DeadLetterOrigin, step: SweepStep) => Promise<void>,
  ): Promise<{ examined: number; skipped: number; remaining: number }> {
    return this.options.connection.withConfirmChannel(async (channel) => {
      const tracker = new ConfirmTracker(channel, this.options.confirmTimeoutMs);
      let examined = 0;
      let skipped = 0;
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
      const step: SweepStep = { channel, tracker, park };
      // Only what is there now: messages parked at the back during this
      // pass (and dead letters arriving meanwhile) come after them.
      const { messageCount: depth } = await channel.checkQueue(this.queue);
      const budget = Math.min(selection.limit, depth);
      while (examined < budget) {
        const message = await channel.get(this.queue, { noAck: false });
        if (message === false) break;
        examined += 1;
        try {
          const origin = deadLetterOrigin(headersOf(message));
          if (!selected(selection, message, origin)) {
            await park(message);
            skipped += 1;
            continue;
          }
          await act(message, origin, step);
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
      // Also the proof that the acks above reached the broker: it handles a
      // channel's methods in order.
      const { messageCount: remaining } = await channel.checkQueue(this.queue);
      return { examined, skipped, remaining };
    });
  }
}
